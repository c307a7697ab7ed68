import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/**
 * The closed list of codes eurostat-source raises (Kafka and config errors keep their own). Each
 * code is documented in docs/errors.md; a test holds the two lists equal.
 */
export const EUROSTAT_ERROR_CODES = [
  /** An answer from Eurostat (or the fixture server) stayed a network fault, a timeout, 429 or 5xx through every attempt; retryable. */
  'LS_EUROSTAT_HTTP_UNAVAILABLE',
  /** Eurostat answered with a status no retry can change (404, 400, 403…). */
  'LS_EUROSTAT_HTTP_FAILED',
  /** The table of contents is not in Eurostat's tab-separated form: the message names the line (and column). */
  'LS_EUROSTAT_TOC_MALFORMED',
  /** The update feed is not the RSS 2.0 document Eurostat serves: the message names the line and column, or the item. */
  'LS_EUROSTAT_FEED_MALFORMED',
  /** A PostgreSQL statement failed: the schema, the catalogue load, the watchlist or the announcements. */
  'LS_EUROSTAT_DATABASE_FAILED',
  /** An update event could not be published to the updates topic; the announcements of that run are rolled back. */
  'LS_EUROSTAT_PUBLISH_FAILED',
  /** The fixture server (development) cannot serve a fixture: a file that is not a dataset it can slice, or a `--large` generator it cannot load; the message names the file. */
  'LS_EUROSTAT_FIXTURE_INVALID',
  /** The statistics API does not know the dataset (404): the message names the code. */
  'LS_EUROSTAT_DATASET_NOT_FOUND',
  /** A 413 EXTRACTION_TOO_BIG with nothing left to split the request by. */
  'LS_EUROSTAT_TOO_BIG',
  /** An asynchronous answer was still being prepared at EUROSTAT_ASYNC_TIMEOUT; retryable. */
  'LS_EUROSTAT_ASYNC_TIMEOUT',
  /** A downloaded answer is not a JSON-stat dataset that can be read or joined (truncated, malformed, parts that disagree): the message names the file and byte offset. */
  'LS_EUROSTAT_ANSWER_INVALID',
  /** The raw answer could not be written to bronze; retryable as the store says. */
  'LS_EUROSTAT_BRONZE_FAILED',
  /** A message on the updates topic that is no update event (counted, logged and committed past by the sync worker). */
  'LS_EUROSTAT_EVENT_INVALID',
  /** A readable answer the loader cannot publish: a dimension id that cannot be a column, a category code with a tab, line break or backslash, or an `updated` other than the version asked for. */
  'LS_EUROSTAT_DATASET_UNLOADABLE',
  /** The version's Parquet could not be written to silver (DuckDB or the object store); the previous version stays; retryable as the store says. */
  'LS_EUROSTAT_SILVER_FAILED',
  /** The landed raw answer's manifest could not be published to the bronze manifest topic; the version is not loaded and the event is tried again. */
  'LS_EUROSTAT_ANNOUNCE_FAILED',
] as const;

/** One of `EUROSTAT_ERROR_CODES`. */
export type EurostatErrorCode = (typeof EUROSTAT_ERROR_CODES)[number];

/** An error of eurostat-source: a stable code, a retryable flag and the original cause. */
export class EurostatError extends LakestreamError {
  declare readonly code: EurostatErrorCode;

  constructor(code: EurostatErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A PostgreSQL failure, with what was being done; connection faults are retryable. */
export function databaseFailed(err: unknown, what: string): EurostatError {
  const code = (err as { code?: unknown }).code;
  // Class 08 (connection exception), 57P01-03 (admin shutdown, crash), 40001/40P01 (serialization, deadlock).
  const transient =
    typeof code === 'string' &&
    (/^08/.test(code) || /^57P0[123]$/.test(code) || /^40(001|P01)$/.test(code));
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(String(code));
  return new EurostatError('LS_EUROSTAT_DATABASE_FAILED', `${what}: ${(err as Error).message}`, {
    cause: err,
    retryable: transient || network,
  });
}
