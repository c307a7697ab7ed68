/**
 * The GoogleSQL of the database source on BigQuery: the four writes from a staging table whose
 * columns are the records' encoded text, the bookkeeping row, and the deterministic job ids.
 * Pure functions; run by db-bigquery.ts. Each write is one statement, so a reader sees the table
 * before or after it, never between.
 */
import { createHash } from 'node:crypto';
import { DB_METADATA_COLUMNS, type DbColumn, type DbSyncBatch } from '@lakestream/lake';
import { decodeBigquerySql } from './db-bigquery-types.js';

/** A source column with the BigQuery type its values are decoded into. */
export interface BigqueryColumn {
  column: DbColumn;
  type: string;
}

/** `project.dataset.table` in backticks. */
export function bqTable(project: string, dataset: string, table: string): string {
  return `\`${project}.${dataset}.${table}\``;
}

/** A quoted column name. */
export const bqIdent = (name: string) => `\`${name.replaceAll('`', '\\`')}\``;

/** A GoogleSQL string literal. */
export function bqString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
}

/** A TIMESTAMP literal of an ISO instant. */
export const bqTimestamp = (iso: string) => `TIMESTAMP(${bqString(iso)})`;

/** What every write needs: target, staging table, the batch's columns, the run and its time. */
export interface BigqueryWriteSpec {
  target: string;
  staging: string;
  columns: readonly BigqueryColumn[];
  /** Stored columns the source no longer has: NULL in the rows a write replaces. */
  dropped: readonly string[];
  primaryKey: readonly string[];
  runId: string;
  appliedAt: string;
}

const meta = DB_METADATA_COLUMNS;

function decoded(spec: BigqueryWriteSpec, name: string, alias = 'S'): string {
  const c = spec.columns.find((x) => x.column.name === name)!;
  return decodeBigquerySql(`${alias}.${bqIdent(name)}`, c.column.kind, c.type);
}

/** Column names and values of an inserted row (metadata columns included). */
function insertParts(spec: BigqueryWriteSpec): { names: string; values: string } {
  const names = [
    ...spec.columns.map(({ column }) => column.name),
    meta.runId,
    meta.syncedAt,
    meta.deletedAt,
    meta.rowHash,
  ];
  const values = [
    ...spec.columns.map(({ column }) => decoded(spec, column.name)),
    bqString(spec.runId),
    bqTimestamp(spec.appliedAt),
    'CAST(NULL AS TIMESTAMP)',
    `S.${bqIdent(meta.rowHash)}`,
  ];
  return { names: names.map(bqIdent).join(', '), values: values.join(', ') };
}

const keyMatch = (spec: BigqueryWriteSpec) =>
  spec.primaryKey.map((k) => `T.${bqIdent(k)} = ${decoded(spec, k)}`).join(' AND ');

/**
 * The one statement of a write. The staging table holds, for merge, the latest record per key
 * and, for append, the first record per row hash (deduplicated when staged): a MERGE's source
 * must be a table on the emulator, and one row per key is what BigQuery's MERGE needs anyway.
 */
export function bigqueryWriteSql(write: DbSyncBatch['write'], spec: BigqueryWriteSpec): string {
  const { names, values } = insertParts(spec);
  const insert = `WHEN NOT MATCHED THEN INSERT (${names}) VALUES (${values})`;
  switch (write) {
    case 'replace':
      // One MERGE deletes every stored row and inserts the run's: atomic, never seen empty.
      return `MERGE ${spec.target} AS T
USING ${spec.staging} AS S
ON FALSE
WHEN NOT MATCHED BY SOURCE THEN DELETE
${insert}`;
    case 'merge': {
      const sets = [
        ...spec.columns
          .filter(({ column }) => !spec.primaryKey.includes(column.name))
          .map(({ column }) => `${bqIdent(column.name)} = ${decoded(spec, column.name)}`),
        ...spec.dropped.map((name) => `${bqIdent(name)} = NULL`),
        `${bqIdent(meta.runId)} = ${bqString(spec.runId)}`,
        `${bqIdent(meta.syncedAt)} = ${bqTimestamp(spec.appliedAt)}`,
        `${bqIdent(meta.deletedAt)} = CAST(NULL AS TIMESTAMP)`,
        `${bqIdent(meta.rowHash)} = S.${bqIdent(meta.rowHash)}`,
      ];
      return `MERGE ${spec.target} AS T
USING ${spec.staging} AS S
ON ${keyMatch(spec)}
WHEN MATCHED THEN UPDATE SET ${sets.join(', ')}
${insert}`;
    }
    case 'append': {
      const hash = bqIdent(meta.rowHash);
      return `INSERT INTO ${spec.target} (${names})
SELECT ${values}
FROM ${spec.staging} AS S
WHERE NOT EXISTS (SELECT 1 FROM ${spec.target} AS T WHERE T.${hash} = S.${hash})`;
    }
    case 'reconcile': {
      // The staging table holds the source's keys. A MERGE rather than UPDATE … WHERE NOT
      // EXISTS: the emulator silently updates nothing with a correlated subquery in UPDATE.
      const deleted = bqIdent(meta.deletedAt);
      return `MERGE ${spec.target} AS T
USING ${spec.staging} AS S
ON ${keyMatch(spec)}
WHEN NOT MATCHED BY SOURCE AND T.${deleted} IS NULL THEN UPDATE SET ${deleted} = ${bqTimestamp(spec.appliedAt)}`;
    }
  }
}

/** The fields of `_ls_sync_batches` (one row per applied batch, as on DuckDB). */
export const SYNC_BATCHES_FIELDS = [
  { name: 'table_name', type: 'STRING', mode: 'REQUIRED' },
  { name: 'run_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'attempt', type: 'INT64', mode: 'REQUIRED' },
  { name: 'mode', type: 'STRING', mode: 'REQUIRED' },
  { name: 'write', type: 'STRING', mode: 'REQUIRED' },
  { name: 'announcement_offset', type: 'INT64', mode: 'REQUIRED' },
  { name: 'rows_in', type: 'INT64', mode: 'REQUIRED' },
  { name: 'rows_after', type: 'INT64', mode: 'REQUIRED' },
  { name: 'rows_deleted', type: 'INT64', mode: 'REQUIRED' },
  { name: 'watermark_to', type: 'STRING', mode: 'NULLABLE' },
  { name: 'applied_at', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'confirmation', type: 'STRING', mode: 'REQUIRED' },
] as const;

/** The bookkeeping row's values, in `SYNC_BATCHES_FIELDS` order. */
export interface SyncBatchRow {
  table_name: string;
  run_id: string;
  attempt: number;
  mode: string;
  write: string;
  announcement_offset: number;
  rows_in: number;
  rows_after: number;
  rows_deleted: number;
  watermark_to: string | null;
  applied_at: string;
  confirmation: string;
}

/**
 * Where (table, run, attempt, write) is in the bookkeeping table: a run announces its reconcile
 * batch after its merge batch, under the same run and attempt.
 */
const sameBatch = (row: Pick<SyncBatchRow, 'table_name' | 'run_id' | 'attempt' | 'write'>) =>
  `table_name = ${bqString(row.table_name)} AND run_id = ${bqString(row.run_id)} AND attempt = ${row.attempt} AND \`write\` = ${bqString(row.write)}`;

/** The batch's bookkeeping row, inserted only when missing (a re-run adds nothing). */
export function recordBatchSql(bookkeeping: string, row: SyncBatchRow): string {
  const literal = (name: keyof SyncBatchRow): string => {
    const v = row[name];
    if (v === null) return 'CAST(NULL AS STRING)';
    if (typeof v === 'number') return String(v);
    return name === 'applied_at' ? bqTimestamp(v) : bqString(v);
  };
  const names = SYNC_BATCHES_FIELDS.map((f) => f.name);
  return `INSERT INTO ${bookkeeping} (${names.join(', ')})
SELECT ${names.map(literal).join(', ')} FROM UNNEST([1])
WHERE NOT EXISTS (SELECT 1 FROM ${bookkeeping} WHERE ${sameBatch(row)})`;
}

/** The recorded confirmation (`c`) of a batch, and its table's last announcement offset (`o`). */
export function recordedBatchSql(
  bookkeeping: string,
  batch: Pick<DbSyncBatch, 'table' | 'run_id' | 'attempt' | 'write'>,
): string {
  const same = sameBatch({
    table_name: batch.table,
    run_id: batch.run_id,
    attempt: batch.attempt,
    write: batch.write,
  });
  return `SELECT (SELECT ANY_VALUE(confirmation) FROM ${bookkeeping} WHERE ${same}) AS c,
  (SELECT MAX(announcement_offset) FROM ${bookkeeping} WHERE table_name = ${bqString(batch.table)}) AS o`;
}

/** What identifies one step of a batch on one incarnation of its table. */
export interface DbJobStep {
  project: string;
  dataset: string;
  table: string;
  /** Creation time of the table the step writes: a rebuilt table gets new job ids. */
  incarnation: string;
  runId: string;
  attempt: number;
  /** The batch's write mode: a run's merge and reconcile batches of a table are two batches. */
  write: DbSyncBatch['write'];
  step: 'load' | 'write' | 'record';
}

/**
 * The deterministic id of one step of a batch: the same (run, attempt, table, step) on the same
 * table always gets the same id, so a step retried after a crash is found (or refused with 409)
 * by BigQuery instead of running twice.
 */
export function dbJobId(s: DbJobStep): string {
  const salt = createHash('sha256')
    .update(
      [s.project, s.dataset, s.table, s.incarnation, s.runId, String(s.attempt), s.write].join(
        '\n',
      ),
    )
    .digest('hex')
    .slice(0, 16);
  const safe = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);
  return `lakestream_db_${safe(s.dataset)}_${safe(s.table)}_${s.write}_${s.step}_${salt}`;
}

/** The staging table of a batch (deterministic, so a retried run finds its load). */
export function dbStagingTable(
  batch: Pick<DbSyncBatch, 'table' | 'run_id' | 'attempt' | 'write'>,
): string {
  const hash = createHash('sha256')
    .update(`${batch.table}\n${batch.run_id}\n${batch.attempt}\n${batch.write}`)
    .digest('hex')
    .slice(0, 16);
  return `_ls_stage_${batch.table.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 100)}_${hash}`;
}
