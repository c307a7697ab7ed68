import type { SilverTableName } from './tables.js';

/**
 * Object keys of the silver layer, relative to the store root (the same store as bronze).
 *
 *   silver/_staging/<batch_id>/<table>/…       a batch being written; never read as data
 *   silver/<table>/batch=<batch_id>/…          dimension files of a published batch
 *   silver/fct_order_items/order_month=YYYY-MM-01/batch=<batch_id>/…   fact files, by order month
 *   silver/_batches/<batch_id>.json            the batch manifest: publishing it publishes the batch
 *   silver/_quarantine/<batch_id>/…            rows rejected by the batch, with reasons
 *
 * Readers take data files only from published manifests: a file whose batch has no manifest is a
 * leftover of an interrupted run and is overwritten when that batch is retried.
 */
export const SILVER_PREFIX = 'silver';
export const BATCHES_PREFIX = `${SILVER_PREFIX}/_batches/`;
export const STAGING_PREFIX = `${SILVER_PREFIX}/_staging/`;
export const QUARANTINE_PREFIX = `${SILVER_PREFIX}/_quarantine/`;

/** Batch ids are the batch's sequence number, zero-padded so key order is batch order. */
const BATCH_ID = /^\d{8}$/;

/** The id of the batch with this 1-based sequence number (`00000001`). */
export function batchId(sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 99_999_999)
    throw new RangeError(`batch sequence must be an integer in 1..99999999, got ${sequence}`);
  return String(sequence).padStart(8, '0');
}

/** The sequence number of a batch id, or undefined when it is not one. */
export function batchSequence(id: string): number | undefined {
  return BATCH_ID.test(id) ? Number(id) : undefined;
}

/** Key of the published manifest of a batch. */
export function batchManifestKey(id: string): string {
  return `${BATCHES_PREFIX}${id}.json`;
}

/** The batch id of a manifest key, or undefined when the key is not a manifest's. */
export function batchIdOfManifestKey(key: string): string | undefined {
  if (!key.startsWith(BATCHES_PREFIX) || !key.endsWith('.json')) return undefined;
  const id = key.slice(BATCHES_PREFIX.length, -'.json'.length);
  return BATCH_ID.test(id) ? id : undefined;
}

/** Folder (prefix, with trailing slash) of a table's files in a published batch. */
export function tableBatchPrefix(table: SilverTableName, id: string, orderMonth?: string): string {
  if (orderMonth !== undefined)
    return `${SILVER_PREFIX}/${table}/order_month=${orderMonth}/batch=${id}/`;
  return `${SILVER_PREFIX}/${table}/batch=${id}/`;
}

/** Folder (prefix) where a batch is staged before it is published. */
export function stagingPrefix(id: string): string {
  return `${STAGING_PREFIX}${id}/`;
}

/** Folder (prefix) of a batch's quarantined rows. */
export function quarantinePrefix(id: string): string {
  return `${QUARANTINE_PREFIX}${id}/`;
}
