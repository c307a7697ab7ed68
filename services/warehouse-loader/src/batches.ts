import { createHash } from 'node:crypto';
import { isObjectNotFound, type ObjectStore } from '@lakestream/object-store';
import {
  BATCHES_PREFIX,
  type BatchManifest,
  batchId,
  batchIdOfManifestKey,
  batchSequence,
  parseBatchManifest,
  SILVER_TABLE_NAMES,
  type SilverTableName,
} from '@lakestream/silver';
import { LoaderError } from './errors.js';

/** A batch whose manifest is published, known from the listing (manifest not read yet). */
export interface BatchRef {
  id: string;
  sequence: number;
  /** Manifest key, relative to the store root. */
  key: string;
}

/** A published batch with its manifest read and checked. */
export interface PublishedBatch extends BatchRef {
  manifest: BatchManifest;
  /** SHA-256 (hex) of the manifest's bytes: what the warehouse records, to notice a rebuilt lake. */
  sha256: string;
}

/** A batch the warehouse records as applied (a row of `_lakestream_loads`). */
export interface AppliedBatch {
  id: string;
  sequence: number;
  sha256: string;
}

/** The batches of a store's listing, by sequence. Anything under the prefix that is not a manifest is ignored. */
export async function listPublishedBatches(store: ObjectStore): Promise<BatchRef[]> {
  const refs: BatchRef[] = [];
  for await (const info of store.list(BATCHES_PREFIX)) {
    const id = batchIdOfManifestKey(info.key);
    if (id !== undefined) refs.push({ id, sequence: batchSequence(id)!, key: info.key });
  }
  return refs.sort((a, b) => a.sequence - b.sequence);
}

/** Reads and checks a batch's manifest: it must parse and name the batch its key names. */
export async function readBatch(store: ObjectStore, ref: BatchRef): Promise<PublishedBatch> {
  let bytes: Buffer;
  try {
    bytes = await store.get(ref.key);
  } catch (err) {
    if (!isObjectNotFound(err)) throw err;
    throw new LoaderError('LS_LOADER_LAKE_MISMATCH', `batch manifest ${ref.key} disappeared`, {
      cause: err,
      details: { batch: ref.id, key: ref.key },
    });
  }
  let manifest: BatchManifest;
  try {
    manifest = parseBatchManifest(bytes.toString('utf8'));
  } catch (err) {
    throw new LoaderError(
      'LS_LOADER_MANIFEST_INVALID',
      `batch manifest ${ref.key} is not a valid silver batch manifest: ${(err as Error).message}`,
      { cause: err, details: { batch: ref.id, key: ref.key } },
    );
  }
  if (manifest.batch_id !== ref.id || manifest.sequence !== ref.sequence) {
    throw new LoaderError(
      'LS_LOADER_MANIFEST_INVALID',
      `batch manifest ${ref.key} names batch ${manifest.batch_id} (sequence ${manifest.sequence}), not ${ref.id}`,
      { details: { batch: ref.id, key: ref.key } },
    );
  }
  for (const table of SILVER_TABLE_NAMES) {
    const entry = manifest.tables[table];
    if (!entry) continue;
    const fileRows = entry.files.reduce((sum, f) => sum + f.rows, 0);
    if (fileRows !== entry.rows) {
      throw new LoaderError(
        'LS_LOADER_MANIFEST_INVALID',
        `batch manifest ${ref.key}: ${table} has ${entry.rows} rows but its files add up to ${fileRows}`,
        { details: { batch: ref.id, key: ref.key, table } },
      );
    }
  }
  return { ...ref, manifest, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** What a run has to do. */
export interface BatchPlan {
  /** The highest applied batch, if any: its manifest is compared with what the warehouse recorded. */
  lastApplied?: BatchRef;
  /** Batches to apply, in order: exactly the sequences after the last applied one, without holes. */
  toApply: BatchRef[];
  /** Raised after `toApply` is applied: a gap after them (nothing applies past a missing batch). */
  stop?: LoaderError;
}

/**
 * Decides which published batches to apply. Batches apply strictly in sequence: the next one is
 * always `last applied + 1`. A missing sequence stops the run there (`LS_LOADER_BATCH_GAP`), after
 * the batches before it; an unapplied batch older than the last applied one, or an applied batch
 * the lake no longer lists, means warehouse and lake disagree, and nothing is applied.
 */
export function planBatches(
  published: readonly BatchRef[],
  applied: ReadonlyMap<string, AppliedBatch>,
): BatchPlan {
  let last: AppliedBatch | undefined;
  for (const batch of applied.values()) if (!last || batch.sequence > last.sequence) last = batch;
  const byId = new Map(published.map((ref) => [ref.id, ref]));
  const lastApplied = last ? byId.get(last.id) : undefined;
  if (last && !lastApplied) {
    throw new LoaderError(
      'LS_LOADER_LAKE_MISMATCH',
      `the warehouse has batch ${last.id} applied, but the lake publishes no such batch (it has ${published.length}): the warehouse was loaded from another lake, or the lake was rebuilt. Load into a fresh warehouse.`,
      { details: { batch: last.id, published: published.length } },
    );
  }
  const pending = published.filter((ref) => !applied.has(ref.id));
  let expected = (last?.sequence ?? 0) + 1;
  const early = pending.find((ref) => ref.sequence < expected);
  if (early) {
    throw new LoaderError(
      'LS_LOADER_BATCH_OUT_OF_ORDER',
      `batch ${early.id} is published but not applied, while the later batch ${last!.id} is: applying it now would put older data over newer. Reload the warehouse from scratch.`,
      { details: { batch: early.id, lastApplied: last!.id } },
    );
  }
  const toApply: BatchRef[] = [];
  for (const ref of pending) {
    if (ref.sequence !== expected) {
      const missing = batchId(expected);
      return {
        ...(lastApplied ? { lastApplied } : {}),
        toApply,
        stop: new LoaderError(
          'LS_LOADER_BATCH_GAP',
          `batch ${ref.id} is published but batch ${missing} is not: stopping before ${ref.id} rather than applying batches out of order`,
          { details: { missing, next: ref.id } },
        ),
      };
    }
    toApply.push(ref);
    expected++;
  }
  return { ...(lastApplied ? { lastApplied } : {}), toApply };
}

/** A table of a batch to apply: its rows, its files, and the partitions they fill. */
export interface TableToLoad {
  table: SilverTableName;
  rows: number;
  keys: string[];
  /** The fact's `order_month`s the files hold (the manifest says so per file), sorted; else []. */
  partitions: string[];
}

/** The tables of a batch that have rows, in the order they are applied (dimensions first). */
export function tablesToLoad(manifest: BatchManifest): TableToLoad[] {
  return SILVER_TABLE_NAMES.flatMap((table) => {
    const entry = manifest.tables[table];
    if (!entry || entry.rows === 0) return [];
    const files = entry.files.filter((f) => f.rows > 0);
    const months = new Set(files.flatMap((f) => (f.order_month ? [f.order_month] : [])));
    return [
      { table, rows: entry.rows, keys: files.map((f) => f.key), partitions: [...months].sort() },
    ];
  });
}

/** Rows per table of a batch (0 for a table the batch does not touch). */
export function rowsByTable(manifest: BatchManifest): Record<SilverTableName, number> {
  return Object.fromEntries(
    SILVER_TABLE_NAMES.map((table) => [table, manifest.tables[table]?.rows ?? 0]),
  ) as Record<SilverTableName, number>;
}
