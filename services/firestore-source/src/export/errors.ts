import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** The closed list of codes `firestore-source export` raises (Kafka and config errors keep their own). */
export const EXPORT_ERROR_CODES = [
  /** The config file cannot be read or parsed, holds an unknown key, or names a profile it lacks. */
  'LS_FIRESTORE_EXPORT_CONFIG_INVALID',
  /** A document has a field named `_ls_…`, a name reserved for the rows' metadata columns. */
  'LS_FIRESTORE_EXPORT_RESERVED_FIELD',
  /** Two field names of a collection differ only in case: warehouse column names ignore case. */
  'LS_FIRESTORE_EXPORT_COLUMN_CLASH',
  /** Firestore stayed UNAVAILABLE, DEADLINE_EXCEEDED or ABORTED through every attempt; retryable. */
  'LS_FIRESTORE_EXPORT_SOURCE_UNAVAILABLE',
  /** Firestore refused a read for good (permission denied, unknown project, a read time past retention). */
  'LS_FIRESTORE_EXPORT_SOURCE_FAILED',
  /** The export object (or its run record) could not be written to or read from the lake. */
  'LS_FIRESTORE_EXPORT_STORE_FAILED',
  /** The manifest could not be published to the manifest topic. */
  'LS_FIRESTORE_EXPORT_PUBLISH_FAILED',
  /** The manifest was published but the loader group's committed offset did not pass it within FIRESTORE_EXPORT_WAIT_TIMEOUT. */
  'LS_FIRESTORE_EXPORT_APPLY_TIMEOUT',
  /** The loader committed past the manifest without loading it: its dead letter names the manifest (the message carries the loader's code). */
  'LS_FIRESTORE_EXPORT_REJECTED',
] as const;

/** One of `EXPORT_ERROR_CODES`. */
export type ExportErrorCode = (typeof EXPORT_ERROR_CODES)[number];

/** An error of the collection export: a stable code, a retryable flag and the original cause. */
export class ExportError extends LakestreamError {
  declare readonly code: ExportErrorCode;

  constructor(code: ExportErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A lake read or write that failed after the store's own retries, with what was being done. */
export function storeFailed(err: unknown, what: string): ExportError {
  return new ExportError('LS_FIRESTORE_EXPORT_STORE_FAILED', `${what}: ${(err as Error).message}`, {
    cause: err,
    retryable: (err as { retryable?: unknown }).retryable === true,
  });
}
