/**
 * Where a managed export's files are, and what its metadata says. Layouts (measured on emulator
 * exports, and Cloud's documented `kind_<collection>` form):
 *
 *   NAME.overall_export_metadata                      optional; LevelDB log: version, kinds list
 *   all_namespaces/all_kinds/all_namespaces_all_kinds.export_metadata
 *   all_namespaces/all_kinds/output-0 …
 *   all_namespaces/kind_<collection>/all_namespaces_kind_<collection>.export_metadata
 *   all_namespaces/kind_<collection>/output-0 …
 *
 * An `export_metadata` is a plain protobuf: `1: {1: name, 2: start µs, 3: end µs}`, then
 * `2: {2: "output-N"}` once per output file, relative to its own folder.
 */
import { firestoreTimestampJson } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { isObjectNotFound } from '@lakestream/object-store';
import { ManagedExportError } from './errors.js';
import { readLogRecords } from './log-reader.js';
import type { ExportFacts, ExportWarning } from './types.js';
import { forEachMessage, WIRE } from './wire.js';

/** One output file to read. */
export interface ExportOutput {
  /** Key in the store. */
  key: string;
  /** The collection, when the layout gives it (`kind_<collection>`); null for all_kinds. */
  kind: string | null;
}

/** A metadata problem the layout worked around, by the metadata file's key. */
export interface LayoutWarning {
  key: string;
  code: ExportWarning['code'];
  message: string;
}

/** An export's files and facts, and what was wrong with its metadata. */
export interface ExportLayout {
  facts: ExportFacts;
  outputs: ExportOutput[];
  warnings: LayoutWarning[];
}

const OVERALL = '.overall_export_metadata';
const KIND_METADATA = '.export_metadata';
const OUTPUT = /(?:^|\/)output-(\d+)$/;

function parentOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash + 1);
}

function kindOfFolder(key: string): string | null {
  const match = /(?:^|\/)kind_([^/]+)\/[^/]*$/.exec(key);
  return match?.[1] ?? null;
}

function invalid(key: string, why: string, cause?: unknown): ManagedExportError {
  return new ManagedExportError(
    'LS_MANAGED_EXPORT_METADATA_INVALID',
    `export metadata '${key}' does not parse: ${why}`,
    { ...(cause === undefined ? {} : { cause }), details: { key } },
  );
}

async function getOrMissing(store: ObjectStore, key: string, namedBy: string): Promise<Buffer> {
  try {
    return await store.get(key);
  } catch (err) {
    if (!isObjectNotFound(err)) throw err;
    throw new ManagedExportError(
      'LS_MANAGED_EXPORT_OUTPUT_MISSING',
      `'${store.uri(key)}', named by '${namedBy}', is not there`,
      { cause: err, details: { key, namedBy } },
    );
  }
}

/** The kind-metadata keys an overall_export_metadata lists (record 2: field 1 {2: path}). */
async function kindMetadataKeys(store: ObjectStore, key: string): Promise<string[]> {
  const body = await store.get(key);
  const records: Buffer[] = [];
  for await (const event of readLogRecords([body])) {
    if (event.kind === 'damage') throw invalid(key, event.message);
    records.push(event.data);
  }
  const list = records[1];
  if (list === undefined) throw invalid(key, `${records.length} records, expected 2`);
  const keys: string[] = [];
  try {
    // The list is repeated field 1, each an entry whose field 2 is a kind's metadata file name.
    forEachMessage(list, 1, (entry) => {
      while (!entry.done()) {
        const t = entry.uint32();
        if (t === ((2 << 3) | WIRE.bytes)) keys.push(parentOf(key) + entry.string());
        else entry.skip(t);
      }
    });
  } catch (err) {
    throw invalid(key, (err as Error).message, err);
  }
  return keys;
}

interface KindMetadata {
  name: string | null;
  startMicros: bigint | null;
  endMicros: bigint | null;
  outputs: string[];
}

function parseKindMetadata(key: string, body: Buffer): KindMetadata {
  const meta: KindMetadata = { name: null, startMicros: null, endMicros: null, outputs: [] };
  try {
    // Field 1: the kind's name and export times; field 2 (repeated): an output file's name.
    forEachMessage(body, 1, (m) => {
      while (!m.done()) {
        const t = m.uint32();
        if (t === ((1 << 3) | WIRE.bytes)) meta.name = m.string();
        else if (t === ((2 << 3) | WIRE.varint)) meta.startMicros = BigInt(m.int64());
        else if (t === ((3 << 3) | WIRE.varint)) meta.endMicros = BigInt(m.int64());
        else m.skip(t);
      }
    });
    forEachMessage(body, 2, (m) => {
      while (!m.done()) {
        const t = m.uint32();
        if (t === ((2 << 3) | WIRE.bytes)) meta.outputs.push(parentOf(key) + m.string());
        else m.skip(t);
      }
    });
  } catch (err) {
    throw invalid(key, (err as Error).message, err);
  }
  return meta;
}

function microsJson(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  return firestoreTimestampJson(seconds, Number(micros - seconds * 1_000_000n));
}

function byOutputOrder(a: string, b: string): number {
  const pa = parentOf(a);
  const pb = parentOf(b);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return Number(OUTPUT.exec(a)?.[1] ?? 0) - Number(OUTPUT.exec(b)?.[1] ?? 0);
}

function isInvalid(err: unknown): err is ManagedExportError {
  return err instanceof ManagedExportError && err.code === 'LS_MANAGED_EXPORT_METADATA_INVALID';
}

/**
 * The layout of the export under `prefix` (`''` or ending in `/`) in `store`: the union of the
 * output files its metadata names and the `output-N` files listed below the prefix, so neither a
 * damaged metadata file nor one that forgets a file loses documents. Metadata that is empty or does
 * not parse, and metadata that disagrees with the listing, become warnings, not errors.
 */
export async function discoverLayout(store: ObjectStore, prefix: string): Promise<ExportLayout> {
  const overall: string[] = [];
  const kindMetadata: string[] = [];
  const listed: string[] = [];
  for await (const { key } of store.list(prefix)) {
    if (key.endsWith(OVERALL)) overall.push(key);
    else if (key.endsWith(KIND_METADATA)) kindMetadata.push(key);
    else if (OUTPUT.test(key)) listed.push(key);
  }
  const where = prefix === '' ? store.location : store.uri(prefix.replace(/\/$/, ''));
  if (overall.length > 1) {
    throw new ManagedExportError(
      'LS_MANAGED_EXPORT_AMBIGUOUS',
      `'${where}' holds ${overall.length} exports (${overall.join(', ')}): name one of them`,
      { details: { location: where, exports: overall } },
    );
  }
  const warnings: LayoutWarning[] = [];
  const byListing = 'its output files are found by listing instead';
  const metadataKeys = new Set(kindMetadata);
  if (overall.length === 1) {
    try {
      for (const key of await kindMetadataKeys(store, overall[0]!)) metadataKeys.add(key);
    } catch (err) {
      if (!isInvalid(err)) throw err;
      warnings.push({
        key: overall[0]!,
        code: 'LS_MANAGED_EXPORT_METADATA_INVALID',
        message: `${err.message}; ${byListing}`,
      });
    }
  }
  const facts: ExportFacts = { name: null, startTime: null, endTime: null, kinds: [], files: [] };
  let start: bigint | null = null;
  let end: bigint | null = null;
  const named = new Set<string>();
  // Folders whose metadata was read (its key), or already warned about (null).
  const folders = new Map<string, string | null>();
  for (const key of [...metadataKeys].sort()) {
    const body = await getOrMissing(store, key, overall[0] ?? key);
    let meta: KindMetadata;
    try {
      if (body.length === 0) throw invalid(key, 'the file is empty');
      meta = parseKindMetadata(key, body);
    } catch (err) {
      if (!isInvalid(err)) throw err;
      warnings.push({
        key,
        code: 'LS_MANAGED_EXPORT_METADATA_INVALID',
        message: `${err.message}; ${byListing}`,
      });
      folders.set(parentOf(key), null);
      continue;
    }
    if (!folders.has(parentOf(key))) folders.set(parentOf(key), key);
    facts.name ??= meta.name;
    if (meta.startMicros !== null && (start === null || meta.startMicros < start))
      start = meta.startMicros;
    if (meta.endMicros !== null && (end === null || meta.endMicros > end)) end = meta.endMicros;
    for (const output of meta.outputs) named.add(output);
  }
  if (named.size > 0 || folders.size > 0) warnUnnamed(listed, named, folders, warnings);
  const keys = [...new Set([...named, ...listed])].sort(byOutputOrder);
  if (keys.length === 0 && metadataKeys.size === 0 && overall.length === 0) {
    throw new ManagedExportError(
      'LS_MANAGED_EXPORT_NOT_FOUND',
      `'${where}' holds no managed export (no *.export_metadata and no output-N file)`,
      { details: { location: where } },
    );
  }
  const outputs = keys.map((key) => ({ key, kind: kindOfFolder(key) }));
  for (const kind of new Set(outputs.map((o) => o.kind))) if (kind !== null) facts.kinds.push(kind);
  facts.startTime = start === null ? null : microsJson(start);
  facts.endTime = end === null ? null : microsJson(end);
  facts.files = outputs.map((o) => store.uri(o.key));
  return { facts, outputs, warnings };
}

/** Warns once per folder about listed output files that no readable metadata names. */
function warnUnnamed(
  listed: string[],
  named: Set<string>,
  folders: Map<string, string | null>,
  warnings: LayoutWarning[],
): void {
  const unnamed = new Map<string, string[]>();
  for (const key of listed) {
    if (named.has(key)) continue;
    const folder = parentOf(key);
    if (folders.get(folder) === null) continue; // its metadata was already reported unreadable
    unnamed.set(folder, [...(unnamed.get(folder) ?? []), key.slice(folder.length)]);
  }
  for (const [folder, files] of unnamed) {
    const metadata = folders.get(folder);
    const list = files.sort((a, b) => byOutputOrder(a, b)).join(', ');
    warnings.push(
      metadata === undefined || metadata === null
        ? {
            key: folder + files[0]!,
            code: 'LS_MANAGED_EXPORT_METADATA_INCOMPLETE',
            message: `no export metadata names ${list} in its folder: read too`,
          }
        : {
            key: metadata,
            code: 'LS_MANAGED_EXPORT_METADATA_INCOMPLETE',
            message: `does not name ${list}, found beside it: read too`,
          },
    );
  }
}
