/**
 * The database source's contract: the row records a db-sync run publishes on a table's topic
 * (`lakestream.db.<database>.<table>.v1`), the batch that announces a run's rows of one table on
 * `lakestream.db.sync-batches.v1`, and the confirmation the warehouse loader publishes on
 * `lakestream.db.sync-applied.v1` once they are durable. The reader (db-sync) and the writer
 * (warehouse loader) share nothing else.
 */
import { z } from 'zod';

/** Version of these message shapes; bumped on any change a reader could notice. */
export const DB_SYNC_VERSION = 1 as const;

/** Prefix of the warehouse schema (DuckDB) or dataset (BigQuery) a database lands in. */
export const DB_WAREHOUSE_SCHEMA_PREFIX = 'src_';

/** The warehouse schema / dataset of a source database: `src_<database>`. */
export function dbWarehouseSchema(database: string): string {
  return `${DB_WAREHOUSE_SCHEMA_PREFIX}${database}`;
}

/**
 * Metadata columns the warehouse adds to every synced table; a source column of one of these
 * names is refused (`_ls_` is reserved).
 */
export const DB_METADATA_COLUMNS = {
  /** The sync run whose read last wrote the row. */
  runId: '_ls_run_id',
  /** When the warehouse applied that run (UTC). */
  syncedAt: '_ls_synced_at',
  /** Set by `--reconcile` when the row's key is gone from the source; cleared if it comes back. */
  deletedAt: '_ls_deleted_at',
  /** sha256 of the row's encoded values: the identity of a row of a table without a primary key. */
  rowHash: '_ls_row_hash',
} as const;

/**
 * How a column's values are encoded in a row record, by the source's DATA_TYPE. Every encoding
 * keeps the value exact: integers past 2^53, decimals and temporal values travel as text.
 * - `integer`: JSON number (TINYINT…INT, YEAR). `bigint`: decimal text (BIGINT, signed or not).
 * - `decimal`: decimal text with the column's scale. `float`: JSON number (FLOAT, DOUBLE).
 * - `date`: `YYYY-MM-DD`. `time`: `[-]HHH:MM:SS[.ffffff]`.
 * - `datetime`: `YYYY-MM-DD HH:MM:SS[.ffffff]` – a DATETIME is naive in the source and stays so
 *   (the sync's `source_time_zone` is recorded in each batch, never applied silently).
 * - `timestamp`: `YYYY-MM-DD HH:MM:SS[.ffffff]+00:00` – read with the session time zone at UTC.
 * - `string`: text (CHAR, VARCHAR, TEXT, ENUM, SET). `json`: the JSON document as text.
 * - `binary`: base64 (BINARY, VARBINARY, BLOB, BIT).
 */
export const DB_VALUE_KINDS = [
  'integer',
  'bigint',
  'decimal',
  'float',
  'date',
  'time',
  'datetime',
  'timestamp',
  'string',
  'json',
  'binary',
] as const;
export type DbValueKind = (typeof DB_VALUE_KINDS)[number];

const KIND_BY_DATA_TYPE: Record<string, DbValueKind> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  year: 'integer',
  bigint: 'bigint',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  real: 'float',
  date: 'date',
  time: 'time',
  datetime: 'datetime',
  timestamp: 'timestamp',
  char: 'string',
  varchar: 'string',
  tinytext: 'string',
  text: 'string',
  mediumtext: 'string',
  longtext: 'string',
  enum: 'string',
  set: 'string',
  json: 'json',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  bit: 'binary',
};

/** The encoding of a source DATA_TYPE; undefined for a type the sync does not carry (spatial). */
export function dbValueKind(dataType: string): DbValueKind | undefined {
  return KIND_BY_DATA_TYPE[dataType.toLowerCase()];
}

/** A source column as INFORMATION_SCHEMA.COLUMNS describes it. */
export const DbColumnSchema = z.object({
  name: z.string().min(1),
  /** 1-based ORDINAL_POSITION. */
  position: z.number().int().positive(),
  /** DATA_TYPE, lower case (`decimal`). */
  data_type: z.string().min(1),
  /** COLUMN_TYPE, lower case (`decimal(12,2) unsigned`): precision, scale, length, signedness. */
  column_type: z.string().min(1),
  kind: z.enum(DB_VALUE_KINDS),
  nullable: z.boolean(),
});
export type DbColumn = z.infer<typeof DbColumnSchema>;

/**
 * What a row record asks of the warehouse: `replace` (a FULL run's row), `upsert` (an incremental
 * row of a table with a primary key), `append` (of a table without one), `keys` (a reconcile
 * run's key range: every key the source holds in it).
 */
export const DB_RECORD_OPS = ['replace', 'upsert', 'append', 'keys'] as const;
export type DbRecordOp = (typeof DB_RECORD_OPS)[number];

/**
 * One record of a table topic. Keyed by the primary key's encoded values as a JSON array
 * (`[42]`, `["eu",7]`); a table without one is keyed by `_ls_row_hash`; a `keys` record by
 * `keys:<first key>`.
 */
export const DbRowRecordSchema = z.object({
  version: z.literal(DB_SYNC_VERSION),
  run_id: z.string().min(1),
  /** Starts at 1; a read retried after a source fault publishes again under the next attempt. */
  attempt: z.number().int().positive(),
  database: z.string().min(1),
  table: z.string().min(1),
  op: z.enum(DB_RECORD_OPS),
  /** The table's column types at read time: column name → COLUMN_TYPE. */
  columns: z.record(z.string(), z.string()),
  /** Column name → encoded value (see `DB_VALUE_KINDS`); absent for `keys`. */
  row: z.record(z.string(), z.unknown()).optional(),
  /** For `keys`: the primary key of every source row in the range, in key order, encoded. */
  keys: z.array(z.array(z.unknown())).optional(),
});
export type DbRowRecord = z.infer<typeof DbRowRecordSchema>;

/** The offsets `[start_offset, end_offset)` of one partition of the table topic a batch owns. */
export const DbOffsetRangeSchema = z.object({
  partition: z.number().int().nonnegative(),
  start_offset: z.number().int().nonnegative(),
  end_offset: z.number().int().nonnegative(),
});
export type DbOffsetRange = z.infer<typeof DbOffsetRangeSchema>;

/** How the warehouse table is written by a batch. */
export const DB_WRITE_MODES = ['replace', 'merge', 'append', 'reconcile'] as const;
export type DbWriteMode = (typeof DB_WRITE_MODES)[number];

/**
 * The announcement of one table's rows read by one sync run, produced once every row is
 * acknowledged by Kafka. The warehouse applies a batch only when the bronze manifests cover all
 * of its ranges, using exactly the records in the ranges whose `run_id` and `attempt` match.
 * A batch is identified by (database, table, run_id, attempt, write): a `--reconcile` run
 * announces a `reconcile` batch after its `merge` batch, under the same run and attempt.
 */
export const DbSyncBatchSchema = z.object({
  version: z.literal(DB_SYNC_VERSION),
  run_id: z.string().min(1),
  attempt: z.number().int().positive(),
  database: z.string().min(1),
  table: z.string().min(1),
  topic: z.string().min(1),
  /** FULL (first sync, no change-tracking column, `--full`), INCREMENTAL, or RECONCILE. */
  mode: z.enum(['full', 'incremental', 'reconcile']),
  write: z.enum(DB_WRITE_MODES),
  /** Primary key columns in key order; empty when the table has none. */
  primary_key: z.array(z.string()),
  /** The change-tracking column; null when the table has none (always FULL). */
  cursor_column: z.string().nullable(),
  /** Every source column at read time, in ORDINAL_POSITION order. */
  columns: z.array(DbColumnSchema),
  ranges: z.array(DbOffsetRangeSchema),
  /** Records in the ranges that belong to the batch (rows, or `keys` records for RECONCILE). */
  records: z.number().int().nonnegative(),
  /** Rows read (for RECONCILE: keys read). */
  rows: z.number().int().nonnegative(),
  /** The read's lower bound before the safe window is taken off; null for FULL. */
  watermark_from: z.string().nullable(),
  /** The upper bound taken in the read's snapshot (`MAX(cursor)`); the next watermark. */
  watermark_to: z.string().nullable(),
  safe_window_seconds: z.number().int().nonnegative(),
  /** The zone DATETIME values were written in at the source (recorded, not applied). */
  source_time_zone: z.string().min(1),
  /** When the snapshot was opened (ISO 8601 UTC). */
  read_at: z.iso.datetime({ offset: true }),
});
export type DbSyncBatch = z.infer<typeof DbSyncBatchSchema>;

/** One schema change the warehouse made to follow the source. */
export const DbSchemaChangeSchema = z.object({
  kind: z.enum(['added', 'widened', 'dropped_kept']),
  column: z.string().min(1),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type DbSchemaChange = z.infer<typeof DbSchemaChangeSchema>;

/**
 * The warehouse's answer to a batch, on `lakestream.db.sync-applied.v1` keyed like the batch.
 * `applied`: the batch is durable (committed with its bookkeeping row); only then may the sync's
 * state move the table's watermark to the batch's `watermark_to`. Published again, identically,
 * when a batch already applied is announced again. `rejected`: the warehouse will never apply it
 * (its records did not reach bronze within the loader's wait, or do not match the batch); the
 * loader moves on to the next batch, so one such batch never blocks the other tables, and the
 * sync fails the table at once and keeps its watermark, so its next run reads those rows again.
 */
export const DbSyncAppliedSchema = z.object({
  version: z.literal(DB_SYNC_VERSION),
  outcome: z.enum(['applied', 'rejected']).default('applied'),
  /** Why a batch was rejected: the loader's `LS_…` code and message; null when applied. */
  error: z.object({ code: z.string(), message: z.string() }).nullable().default(null),
  run_id: z.string().min(1),
  attempt: z.number().int().positive(),
  database: z.string().min(1),
  table: z.string().min(1),
  write: z.enum(DB_WRITE_MODES),
  /** `duckdb` or `bigquery`, and the table written (`src_shop.orders`, `project.src_shop.orders`). */
  target: z.enum(['duckdb', 'bigquery']),
  target_table: z.string().min(1),
  rows_in: z.number().int().nonnegative(),
  /** Rows the table holds for the source after the batch (not counting rows marked deleted). */
  rows_after: z.number().int().nonnegative(),
  /** RECONCILE: rows newly marked `_ls_deleted_at`. */
  rows_deleted: z.number().int().nonnegative(),
  schema_changes: z.array(DbSchemaChangeSchema),
  applied_at: z.iso.datetime({ offset: true }),
});
export type DbSyncApplied = z.infer<typeof DbSyncAppliedSchema>;

/** The Kafka key of a table's batches and confirmations: `<database>.<table>`. */
export function dbSyncKey(database: string, table: string): string {
  return `${database}.${table}`;
}
