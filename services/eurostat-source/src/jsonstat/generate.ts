/**
 * Large Eurostat-shaped answers for benchmarks and memory checks: deterministic from a seed,
 * `cells` observed cells (values, some flagged, and status-only cells) spread over
 * freq × unit × sex × age × geo × time with gaps, one geo that never has data (listed in
 * `positions-with-no-data`), keys in Eurostat's order, written as it goes (plain or gzip) so a
 * 10-million-cell answer costs no more memory than a small one. Synthetic, and labelled so.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** What to generate. */
export interface GenerateOptions {
  /** Observed cells to write (a value, or a status only). */
  cells: number;
  seed?: number;
  /** Share of positions that hold a cell (0 < density ≤ 1; default 0.7). */
  density?: number;
  /** Share of cells with a status flag (default 0.1); a tenth of those have no value. */
  flagged?: number;
  /** Dataset code written in the extension (default `hlth_synthetic`). */
  code?: string;
  gzip?: boolean;
}

/** What was written. */
export interface GeneratedAnswer {
  file: string;
  cells: number;
  values: number;
  statusOnly: number;
  flagged: number;
  positions: number;
  sizes: number[];
  bytes: number;
}

const FLAGS = ['p', 'e', 'b', 'c', 'u', 'z', 'd', 'n'];
const GEOS: [string, string][] = [
  ['AT', 'Österreich'],
  ['BE', 'Belgique/België'],
  ['CZ', 'Česko'],
  ['DE', 'Deutschland'],
  ['ES', 'España'],
  ['FR', 'France'],
  ['IS', 'Ísland'],
  ['PL', 'Polska'],
  ['RO', 'România'],
  ['TR', 'Türkiye'],
];
const UNITS = ['NR', 'RT', 'P_HTHAB', 'PC'];
const SEXES = ['F', 'M', 'T'];
const AGES: [string, string][] = [
  ['TOTAL', 'Total'],
  ['Y_LT15', 'Less than 15 years'],
  ['Y15-24', 'From 15 to 24 years'],
  ['Y25-34', 'From 25 to 34 years'],
  ['Y35-44', 'From 35 to 44 years'],
  ['Y45-54', 'From 45 to 54 years'],
  ['Y55-64', 'From 55 to 64 years'],
  ['Y65-74', 'From 65 to 74 years'],
  ['Y75-84', 'From 75 to 84 years'],
  ['Y_GE85', '85 years or over'],
];

/** mulberry32: a small, fast, seedable generator; the same seed gives the same answer. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The sizes: geos grow in ten-code blocks (`AT`, `AT1`, …) up to 400, then age groups up to 10,
 * and years take up the rest (a few hundred at 10 million cells).
 */
function shape(positions: number): { geo: [string, string][]; ages: number; years: number } {
  const geoCount = Math.max(
    GEOS.length,
    Math.min(400, Math.ceil(Math.sqrt(positions / (UNITS.length * SEXES.length)) / 2)),
  );
  const geo: [string, string][] = [];
  for (let i = 0; i < geoCount; i++) {
    const [code, label] = GEOS[i % GEOS.length] as [string, string];
    const block = Math.floor(i / GEOS.length);
    geo.push(block === 0 ? [code, label] : [`${code}${block}`, `${label} – region ${block}`]);
  }
  const base = positions / (UNITS.length * SEXES.length);
  const ages = Math.max(1, Math.min(AGES.length, Math.ceil(base / (geoCount * 50))));
  const years = Math.max(1, Math.ceil(base / (geoCount * ages)));
  return { geo, ages, years };
}

/** Writes text through a stream, waiting when it is full. */
class TextOut {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  constructor(private readonly stream: Writable) {}
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    this.bytes += chunk.length;
    if (!this.stream.write(chunk))
      await new Promise((resolve) => this.stream.once('drain', resolve));
  }
}

/** Writes a synthetic answer of `options.cells` observed cells to `file`. */
export async function generateAnswer(
  file: string,
  options: GenerateOptions,
): Promise<GeneratedAnswer> {
  const density = options.density ?? 0.7;
  const flaggedShare = options.flagged ?? 0.1;
  const seed = options.seed ?? 1;
  // A margin over cells / density: the geo without data and chance leave some positions empty.
  const { geo, ages, years } = shape(Math.ceil((options.cells / density) * 1.25));
  const sizes = [1, UNITS.length, SEXES.length, ages, geo.length, years];
  const positions = sizes.reduce((a, b) => a * b, 1);
  const emptyGeo = geo.length - 1;
  const perGeo = years;
  const firstYear = 2100 - years;

  // The same decisions are taken twice (values, then statuses), so they come from one generator
  // restarted from the seed: -1 no cell, else the flag (0 none) and whether it has a value.
  const walk = function* (): Generator<[number, number, boolean]> {
    const next = random(seed);
    let cells = 0;
    for (let index = 0; index < positions && cells < options.cells; index++) {
      const inEmptyGeo = Math.floor(index / perGeo) % geo.length === emptyGeo;
      const hit = next() < density;
      const flagRoll = next();
      if (inEmptyGeo || !hit) continue;
      cells++;
      const flag =
        flagRoll < flaggedShare ? 1 + Math.floor((flagRoll / flaggedShare) * FLAGS.length) : 0;
      const hasValue = flag === 0 || flagRoll >= flaggedShare / 10;
      yield [index, flag, hasValue];
    }
  };

  const raw = createWriteStream(file);
  const gzip = options.gzip ? createGzip({ level: 1 }) : undefined;
  if (gzip) gzip.pipe(raw);
  const out = new TextOut(gzip ?? raw);
  const values = random(seed ^ 0x5bd1e995);
  await out.write(
    `{"version":"2.0","class":"dataset","label":"Synthetic health dataset of ${options.cells} cells (synthetic, seed ${seed})","source":"ESTAT","updated":"2024-05-01T11:00:00+0200","value":{`,
  );
  const seen = sizes.map((size) => new Uint8Array(size));
  let written = 0;
  let valueCount = 0;
  let statusOnly = 0;
  let flagged = 0;
  for (const [index, flag, hasValue] of walk()) {
    written++;
    let rest = index;
    for (let d = sizes.length - 1; d >= 0; d--) {
      const size = sizes[d] as number;
      (seen[d] as Uint8Array)[rest % size] = 1;
      rest = Math.floor(rest / size);
    }
    if (flag !== 0) flagged++;
    if (!hasValue) {
      statusOnly++;
      continue;
    }
    const value = Math.round(values() * 1e6) / 100;
    await out.write(`${valueCount === 0 ? '' : ','}"${index}":${value}`);
    valueCount++;
  }
  await out.write('},"status":{');
  let first = true;
  for (const [index, flag] of walk()) {
    if (flag === 0) continue;
    await out.write(`${first ? '' : ','}"${index}":"${FLAGS[flag - 1]}"`);
    first = false;
  }
  const noData = ['freq', 'unit', 'sex', 'age', 'geo', 'time']
    .map((id, d) => {
      const empty = [...(seen[d] as Uint8Array)].flatMap((hit, position) =>
        hit ? [] : [position],
      );
      return `"${id}":${JSON.stringify(empty)}`;
    })
    .join(',');
  const category = (codes: [string, string][]) =>
    JSON.stringify({
      index: Object.fromEntries(codes.map(([c], i) => [c, i])),
      label: Object.fromEntries(codes),
    });
  const time: [string, string][] = Array.from({ length: years }, (_, i) => [
    String(firstYear + i),
    String(firstYear + i),
  ]);
  await out.write(
    `},"id":["freq","unit","sex","age","geo","time"],"size":${JSON.stringify(sizes)},"dimension":{` +
      `"freq":{"label":"Time frequency","category":${category([['A', 'Annual']])}},` +
      `"unit":{"label":"Unit of measure","category":${category(UNITS.map((u) => [u, `Unit ${u}`]))}},` +
      `"sex":{"label":"Sex","category":${category([
        ['F', 'Females'],
        ['M', 'Males'],
        ['T', 'Total'],
      ])}},` +
      `"age":{"label":"Age class","category":${category(AGES.slice(0, ages))}},` +
      `"geo":{"label":"Geopolitical entity (reporting)","category":${category(geo)}},` +
      `"time":{"label":"Time","category":${category(time)}}},` +
      `"extension":{"lang":"EN","agencyId":"ESTAT","id":"${(options.code ?? 'hlth_synthetic').toUpperCase()}","version":"1.0",` +
      `"annotation":[{"type":"OBS_COUNT","title":"${written}"}],` +
      `"positions-with-no-data":{${noData}}}}`,
  );
  await out.flush();
  (gzip ?? raw).end();
  await finished(raw);
  return {
    file,
    cells: written,
    values: valueCount,
    statusOnly,
    flagged,
    positions,
    sizes,
    bytes: out.bytes,
  };
}
