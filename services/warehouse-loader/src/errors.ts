import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** The closed list of codes the warehouse loader raises (object-store errors keep their own). */
export const LOADER_ERROR_CODES = [
  /** The settings cannot work together (e.g. the bigquery target with a local store). */
  'LS_LOADER_CONFIG_INVALID',
  /** A published manifest does not parse, or does not match its key. */
  'LS_LOADER_MANIFEST_INVALID',
  /** A batch is published while an earlier one is missing: applying it would skip that one. */
  'LS_LOADER_BATCH_GAP',
  /** An unapplied batch is older than one already applied: it was published out of order. */
  'LS_LOADER_BATCH_OUT_OF_ORDER',
  /** The warehouse records a batch the lake no longer publishes, or publishes differently. */
  'LS_LOADER_LAKE_MISMATCH',
  /** A batch's files disagree with its manifest or the contract (rows, keys, columns, missing file). */
  'LS_LOADER_BATCH_INVALID',
  /** A warehouse table exists without some of the contract's columns. */
  'LS_LOADER_SCHEMA_MISMATCH',
  /** The warehouse did not answer, was busy or is locked by another process; retryable. */
  'LS_LOADER_WAREHOUSE_UNAVAILABLE',
  /** A warehouse statement or job failed for good. */
  'LS_LOADER_WAREHOUSE_FAILED',
  /** The worker's Kafka consumer stopped for good. */
  'LS_LOADER_CONSUMER_CRASHED',
  /** A database sync batch's ranges are not all in bronze manifests within the wait; the batch is rejected. */
  'LS_LOADER_DB_NOT_IN_BRONZE',
  /** A database sync batch disagrees with its bronze records (count, decoding, a write without a key); rejected. */
  'LS_LOADER_DB_BATCH_INVALID',
  /** A document source's object (a Firestore snapshot, a quality report object) does not fit its manifest or cannot be read; the manifest is dead-lettered and passed. */
  'LS_LOADER_DOCUMENTS_INVALID',
  /** The dead letter of a document source's rejected manifest was not taken; the manifest is tried again. */
  'LS_LOADER_DEAD_LETTER_FAILED',
  /** A record of a quality report object is not a quality report; it is skipped and counted. */
  'LS_LOADER_QUALITY_REPORT_INVALID',
  /** gcs-load: the prefix holds no JSON-lines object, or an object under it cannot be read as JSON lines. */
  'LS_LOADER_GCS_LOAD_INVALID',
] as const;

/** One of `LOADER_ERROR_CODES`. */
export type LoaderErrorCode = (typeof LOADER_ERROR_CODES)[number];

/** An error of the warehouse loader: a stable code, a retryable flag and the original cause. */
export class LoaderError extends LakestreamError {
  declare readonly code: LoaderErrorCode;

  constructor(code: LoaderErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The errors counter's `code` label (shared by every service). */
export { errorMetricCode as metricCode } from '@lakestream/observability';

/** The process exit status for an error that ended a run: 2 for what a retry cannot fix by itself. */
export function exitCodeFor(err: unknown): 1 | 2 {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'LS_LOADER_CONFIG_INVALID' ? 2 : 1;
}
