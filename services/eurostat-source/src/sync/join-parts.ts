/**
 * Joins the parts of a split request (each a JSON-stat answer for some categories of a dimension)
 * into one answer equal to the whole, written to a file in Eurostat's key order.
 *
 * Each part is indexed from 0 over its own categories, so a part's linear index means nothing in
 * the whole: every cell is mapped back through its category codes. A dimension's categories in
 * the whole are the parts' categories merged in the order the parts give them (the split
 * dimension's chunks follow each other; the others are the same in every part). Cells are
 * streamed from the parts (src/jsonstat reads them in batches), so memory is the dimensions, not
 * the cells; `value` is written in one pass over the parts and `status` in a second.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { EurostatError } from '../errors.js';
import { type JsonStatReader, openJsonStat } from '../jsonstat/index.js';

/** What the joined answer holds. */
export interface JoinedAnswer {
  file: string;
  parts: number;
  cells: number;
  bytes: number;
}

interface WholeDimension {
  id: string;
  label: string;
  codes: string[];
  labels: Map<string, string>;
  positionOf: Map<string, number>;
}

/** Joins `partFiles` (in request order) into `file`; throws LS_EUROSTAT_ANSWER_INVALID if they disagree. */
export async function joinParts(partFiles: readonly string[], file: string): Promise<JoinedAnswer> {
  if (partFiles.length === 0) throw invalid('no parts to join', file);
  const readers: JsonStatReader[] = [];
  for (const part of partFiles) readers.push(await openJsonStat(part));
  const first = (readers[0] as JsonStatReader).dataset;
  for (const r of readers) {
    if (r.dataset.ids.join() !== first.ids.join()) {
      throw invalid(
        `part ${r.dataset.file} has dimensions ${r.dataset.ids.join(',')}, not ${first.ids.join(',')}`,
        file,
      );
    }
  }
  const dims: WholeDimension[] = first.ids.map((id, d) => {
    const whole: WholeDimension = {
      id,
      label: first.dimensions[d]?.label ?? id,
      codes: [],
      labels: new Map(),
      positionOf: new Map(),
    };
    for (const r of readers) mergeCategories(whole, r.dataset.dimensions[d]?.categories ?? []);
    for (const [i, c] of whole.codes.entries()) whole.positionOf.set(c, i);
    return whole;
  });
  const sizes = dims.map((d) => d.codes.length);
  const strides = new Array<number>(sizes.length).fill(1);
  for (let d = sizes.length - 2; d >= 0; d--)
    strides[d] = (strides[d + 1] as number) * (sizes[d + 1] as number);
  // Each part's category positions → the whole's positions, per dimension.
  const maps = readers.map((r) =>
    r.dataset.dimensions.map((dim, d) =>
      Uint32Array.from(dim.categories, (c) => dims[d]?.positionOf.get(c.code) as number),
    ),
  );
  const seen = sizes.map((n) => new Uint8Array(n));
  const statusLabels: Record<string, unknown> = {};
  for (const r of readers) {
    const labels = (r.dataset.extension?.status as { label?: Record<string, unknown> } | undefined)
      ?.label;
    Object.assign(statusLabels, labels ?? {});
  }

  const out = new JsonWriter(file);
  const head = {
    version: '2.0',
    class: 'dataset',
    label: first.label,
    source: first.source,
    updated: first.updated,
  };
  out.write(JSON.stringify(head).slice(0, -1));
  let cells = 0;
  for (const member of ['value', 'status'] as const) {
    out.write(`,"${member}":{`);
    let comma = false;
    for (let p = 0; p < readers.length; p++) {
      const reader = readers[p] as JsonStatReader;
      const map = maps[p] as Uint32Array[];
      for await (const batch of reader.batches()) {
        for (let i = 0; i < batch.length; i++) {
          let index = 0;
          for (let d = 0; d < map.length; d++) {
            const pos = (map[d] as Uint32Array)[
              (batch.coords[d] as Uint32Array)[i] as number
            ] as number;
            index += pos * (strides[d] as number);
            if (member === 'value') (seen[d] as Uint8Array)[pos] = 1;
          }
          let entry: string | undefined;
          if (member === 'value') {
            cells += 1;
            const v = batch.value[i] as number;
            if (!Number.isNaN(v)) entry = JSON.stringify(v);
          } else {
            const s = batch.status[i] as number;
            if (s !== 0) entry = JSON.stringify(reader.dataset.statusFlags[s]);
          }
          if (entry === undefined) continue;
          out.write(`${comma ? ',' : ''}"${index}":${entry}`);
          comma = true;
        }
        await out.drained();
      }
    }
    out.write('}');
  }
  const dimension: Record<string, unknown> = {};
  for (const d of dims) {
    dimension[d.id] = {
      label: d.label,
      category: {
        index: Object.fromEntries(d.codes.map((c, i) => [c, i])),
        label: Object.fromEntries(d.codes.map((c) => [c, d.labels.get(c) ?? c])),
      },
    };
  }
  const noData = Object.fromEntries(
    dims.map((d, i) => [
      d.id,
      [...(seen[i] as Uint8Array).keys()].filter((p) => !(seen[i] as Uint8Array)[p]),
    ]),
  );
  const extension = {
    ...(first.extension ?? {}),
    ...(Object.keys(statusLabels).length > 0 ? { status: { label: statusLabels } } : {}),
    'positions-with-no-data': noData,
  };
  out.write(
    `,"id":${JSON.stringify(first.ids)},"size":${JSON.stringify(sizes)},"dimension":${JSON.stringify(dimension)},"extension":${JSON.stringify(extension)}}`,
  );
  const bytes = await out.close();
  return { file, parts: partFiles.length, cells, bytes };
}

/**
 * Adds the categories not in `whole` yet, each right after the one before it in the part; a run
 * of new categories at the part's start goes before the first one known, or at the end (the next
 * chunk of the split dimension) when the part has none known.
 */
function mergeCategories(
  whole: WholeDimension,
  categories: readonly { code: string; label: string }[],
): void {
  let after = -1;
  for (const [i, c] of categories.entries()) {
    const at = whole.codes.indexOf(c.code);
    if (at >= 0) {
      after = at;
      continue;
    }
    if (after < 0) {
      const known = categories.slice(i + 1).find((k) => whole.codes.includes(k.code));
      after = known ? whole.codes.indexOf(known.code) - 1 : whole.codes.length - 1;
    }
    whole.codes.splice(after + 1, 0, c.code);
    whole.labels.set(c.code, c.label);
    after += 1;
  }
}

function invalid(why: string, file: string): EurostatError {
  return new EurostatError('LS_EUROSTAT_ANSWER_INVALID', `joining the parts into ${file}: ${why}`);
}

/** A buffered text writer that waits for the file when its buffer is full. */
class JsonWriter {
  private readonly stream: WriteStream;
  private buffer: string[] = [];
  private length = 0;
  private bytes = 0;

  constructor(file: string) {
    this.stream = createWriteStream(file);
  }

  write(text: string): void {
    this.buffer.push(text);
    this.length += text.length;
  }

  /** Hands the buffer to the file once it holds 1 MiB, waiting while the file is behind. */
  async drained(): Promise<void> {
    if (this.length < 1 << 20) return;
    this.flush();
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  async close(): Promise<number> {
    this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
    return this.bytes;
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(''), 'utf8');
    this.bytes += chunk.length;
    this.stream.write(chunk);
    this.buffer = [];
    this.length = 0;
  }
}
