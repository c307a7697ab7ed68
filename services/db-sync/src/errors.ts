import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** The closed list of codes db-sync raises (Kafka and config errors keep their own). */
export const DB_SYNC_ERROR_CODES = [
  /** The config file cannot be read or parsed, or holds an unknown key. */
  'LS_DB_SYNC_CONFIG_INVALID',
  /** The source refused the credentials (the password is never shown). */
  'LS_DB_SYNC_ACCESS_DENIED',
  /** A database of `db_list` does not exist on the source. */
  'LS_DB_SYNC_UNKNOWN_DATABASE',
  /** A table of `table_list` (or `--tables`) does not exist in a database. */
  'LS_DB_SYNC_UNKNOWN_TABLE',
  /** A table cannot be synced as it is: a reserved `_ls_` column, a type the sync does not carry, a bad override. */
  'LS_DB_SYNC_TABLE_UNSUPPORTED',
  /** The source could not be reached or dropped the connection mid-read; retryable. */
  'LS_DB_SYNC_SOURCE_UNAVAILABLE',
  /** A source statement failed for good. */
  'LS_DB_SYNC_SOURCE_FAILED',
  /** Rows could not be published to the table topic, or the batch not announced. */
  'LS_DB_SYNC_PUBLISH_FAILED',
  /** The batch was announced but the warehouse did not confirm it within DB_SYNC_APPLY_TIMEOUT. */
  'LS_DB_SYNC_APPLY_TIMEOUT',
  /** The warehouse loader answered that it will never apply the batch (its records did not reach bronze in time, or do not match it). */
  'LS_DB_SYNC_REJECTED',
  /** Another sync of the same database holds its lock file. */
  'LS_DB_SYNC_LOCKED',
  /** The state file exists but does not parse. */
  'LS_DB_SYNC_STATE_INVALID',
] as const;

/** One of `DB_SYNC_ERROR_CODES`. */
export type DbSyncErrorCode = (typeof DB_SYNC_ERROR_CODES)[number];

/** An error of db-sync: a stable code, a retryable flag and the original cause. */
export class DbSyncError extends LakestreamError {
  declare readonly code: DbSyncErrorCode;

  constructor(code: DbSyncErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}
