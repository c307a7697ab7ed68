/**
 * The DuckDB statement text of the database source: staging a batch's records from its bronze
 * objects, and the four ways of writing them. Pure functions of the batch; run by db-duckdb.ts.
 */
import { DB_METADATA_COLUMNS, type DbColumn, type DbSyncBatch } from '@lakestream/lake';
import { quoteIdent } from '@lakestream/silver';
import { decodeSql } from './db-types.js';

/** The temporary table a batch's rows (or reconcile keys) are staged in. */
export const STAGE_TABLE = '_ls_stage';
/** The temporary table of a reconcile batch's keys. */
export const KEYS_TABLE = '_ls_keys';
/** Bookkeeping of the applied sync batches, one row per (table, run, attempt). */
export const SYNC_BATCHES_TABLE = '_ls_sync_batches';

/** One bronze object's part a batch reads, as a local file. */
export interface StagePiece {
  file: string;
  partition: number;
  from: number;
  to: number;
}

/** A source column with the warehouse type its values are decoded into. */
export interface TypedColumn {
  column: DbColumn;
  type: string;
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The DDL of the bookkeeping table. */
export function syncBatchesDdl(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.${SYNC_BATCHES_TABLE} (
  table_name VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  attempt INTEGER NOT NULL,
  mode VARCHAR NOT NULL,
  write VARCHAR NOT NULL,
  announcement_offset BIGINT NOT NULL,
  rows_in BIGINT NOT NULL,
  rows_after BIGINT NOT NULL,
  rows_deleted BIGINT NOT NULL,
  watermark_to VARCHAR,
  applied_at TIMESTAMPTZ NOT NULL,
  confirmation JSON NOT NULL
)`;
}

/**
 * `CREATE TEMP TABLE _ls_stage AS …`: the batch's records from its bronze objects, read by
 * DuckDB itself (gzip JSON lines, each `{topic, partition, offset, …, key, value}` with the
 * DbRowRecord as `value`), kept when inside one of the pieces and of this run and attempt. Rows
 * carry their decoded columns, `_ls_row_hash` and their Kafka position; reconcile records their
 * `keys` list.
 */
export function stageSql(
  batch: DbSyncBatch,
  pieces: readonly StagePiece[],
  columns: readonly TypedColumn[],
): string {
  const keysOnly = batch.write === 'reconcile';
  const rowStruct = columns.map(({ column }) => `${quoteIdent(column.name)} VARCHAR`).join(', ');
  const valueType = keysOnly
    ? 'STRUCT(run_id VARCHAR, attempt BIGINT, "database" VARCHAR, "table" VARCHAR, op VARCHAR, keys JSON[])'
    : `STRUCT(run_id VARCHAR, attempt BIGINT, "database" VARCHAR, "table" VARCHAR, op VARCHAR, "row" STRUCT(${rowStruct}))`;
  const select = keysOnly
    ? 'l.value.keys AS keys'
    : [
        ...columns.map(
          ({ column, type }) =>
            `${decodeSql(`l.value."row".${quoteIdent(column.name)}`, column, type)} AS ${quoteIdent(column.name)}`,
        ),
        // A table without a key is keyed by the sync's row hash; a keyed row's hash is its
        // record's, so an unchanged row has an unchanged hash.
        `${batch.primary_key.length === 0 ? 'l.key' : 'sha256(CAST(to_json(l.value."row") AS VARCHAR))'} AS ${quoteIdent(DB_METADATA_COLUMNS.rowHash)}`,
      ].join(',\n  ');
  const position = 'l."partition" AS _ls_partition, l."offset" AS _ls_offset';
  if (pieces.length === 0) {
    // Nothing to read (an empty table): the same columns, no rows.
    return `CREATE OR REPLACE TEMP TABLE ${STAGE_TABLE} AS SELECT ${select}, ${position}
FROM (SELECT NULL::INTEGER AS "partition", NULL::BIGINT AS "offset", NULL::VARCHAR AS key, NULL::${valueType} AS value) l
WHERE false`;
  }
  const files = [...new Set(pieces.map((p) => p.file))];
  const columnsSpec = `{"partition": 'INTEGER', "offset": 'BIGINT', "key": 'VARCHAR', "value": ${sqlString(valueType)}}`;
  const ops = keysOnly ? `'keys'` : `'replace', 'upsert', 'append'`;
  return `CREATE OR REPLACE TEMP TABLE ${STAGE_TABLE} AS SELECT ${select}, ${position}
FROM read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', compression = 'gzip', filename = true, columns = ${columnsSpec}) l
JOIN (VALUES ${pieces.map((p) => `(${sqlString(p.file)}, ${p.partition}, ${p.from}, ${p.to})`).join(', ')}) AS pieces(file, part, lo, hi)
  ON l.filename = pieces.file AND l."partition" = pieces.part AND l."offset" >= pieces.lo AND l."offset" < pieces.hi
WHERE l.value.run_id = ${sqlString(batch.run_id)} AND l.value.attempt = ${batch.attempt}
  AND l.value."database" = ${sqlString(batch.database)} AND l.value."table" = ${sqlString(batch.table)}
  AND l.value.op IN (${ops})`;
}

/** The keys of a reconcile batch, decoded into the key columns' warehouse types. */
export function keysSql(keyColumns: readonly TypedColumn[]): string {
  const decoded = keyColumns.map(
    ({ column, type }, i) =>
      `${decodeSql(`json_extract_string(k, '$[${i}]')`, column, type)} AS ${quoteIdent(column.name)}`,
  );
  return `CREATE OR REPLACE TEMP TABLE ${KEYS_TABLE} AS
SELECT DISTINCT ${decoded.join(', ')} FROM (SELECT unnest(keys) AS k FROM ${STAGE_TABLE})`;
}

/** What every write needs: the target, the batch's columns, the run and its time. */
export interface WriteSpec {
  target: string;
  columns: readonly TypedColumn[];
  primaryKey: readonly string[];
  runId: string;
  appliedAt: string;
}

function insertSql(spec: WriteSpec, from: string): string {
  const names = spec.columns.map(({ column }) => quoteIdent(column.name));
  const meta = [
    DB_METADATA_COLUMNS.runId,
    DB_METADATA_COLUMNS.syncedAt,
    DB_METADATA_COLUMNS.deletedAt,
    DB_METADATA_COLUMNS.rowHash,
  ].map(quoteIdent);
  return `INSERT INTO ${spec.target} (${[...names, ...meta].join(', ')})
SELECT ${[...names, sqlString(spec.runId), `CAST(${sqlString(spec.appliedAt)} AS TIMESTAMPTZ)`, 'NULL', quoteIdent(DB_METADATA_COLUMNS.rowHash)].join(', ')}
${from}`;
}

const keyMatch = (keys: readonly string[], a: string, b: string) =>
  keys.map((k) => `${a}.${quoteIdent(k)} = ${b}.${quoteIdent(k)}`).join(' AND ');

/** The statements of one write, in order (run inside the batch's transaction). */
export function writeStatements(write: DbSyncBatch['write'], spec: WriteSpec): string[] {
  const pk = spec.primaryKey;
  const latestPerKey = `QUALIFY row_number() OVER (PARTITION BY ${pk.map(quoteIdent).join(', ')} ORDER BY _ls_partition DESC, _ls_offset DESC) = 1`;
  switch (write) {
    case 'replace':
      // Inside the transaction: no reader ever sees the table empty or half-filled.
      return [`DELETE FROM ${spec.target}`, insertSql(spec, `FROM ${STAGE_TABLE}`)];
    case 'merge':
      return [
        `DELETE FROM ${spec.target} AS t USING ${STAGE_TABLE} AS s WHERE ${keyMatch(pk, 't', 's')}`,
        insertSql(spec, `FROM ${STAGE_TABLE}\n${latestPerKey}`),
      ];
    case 'append': {
      const hash = quoteIdent(DB_METADATA_COLUMNS.rowHash);
      return [
        insertSql(
          spec,
          `FROM ${STAGE_TABLE} AS s WHERE NOT EXISTS (SELECT 1 FROM ${spec.target} AS t WHERE t.${hash} = s.${hash})
QUALIFY row_number() OVER (PARTITION BY s.${hash} ORDER BY _ls_partition, _ls_offset) = 1`,
        ),
      ];
    }
    case 'reconcile': {
      const deleted = quoteIdent(DB_METADATA_COLUMNS.deletedAt);
      return [
        `UPDATE ${spec.target} AS t SET ${deleted} = CAST(${sqlString(spec.appliedAt)} AS TIMESTAMPTZ)
WHERE t.${deleted} IS NULL AND NOT EXISTS (SELECT 1 FROM ${KEYS_TABLE} AS k WHERE ${keyMatch(pk, 'k', 't')})`,
      ];
    }
  }
}
