import {
  BIGQUERY_TYPES,
  columnNames,
  notEarlierSql,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  type SilverTableName,
} from '@lakestream/silver';
import { type PublishedBatch, rowsByTable } from './batches.js';
import { LOADS_COLUMNS, LOADS_TABLE, rowsColumn } from './loads-table.js';
import { VERSIONED_TABLES } from './versioning.js';

/** The staging table of a table's rows in a batch. */
export function stagingTableName(table: SilverTableName, batchId: string): string {
  return `_stg_${table}_${batchId}`;
}

/** `project.dataset.table` in backticks. */
export function tableRef(project: string, dataset: string, table: string): string {
  return `\`${project}.${dataset}.${table}\``;
}

const ident = (name: string) => `\`${name}\``;

/** A GoogleSQL string literal. */
function stringLiteral(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
}

/**
 * The MERGE of a staging table into a target table on the primary key. Every staging column is
 * cast to the contract's type: a Parquet load without an explicit schema types a TIMESTAMP
 * written without a UTC flag (DuckDB's TIMESTAMP) as DATETIME, which CAST reads as UTC. The
 * source is the staging table itself, not a subquery (the emulator accepts only a table there,
 * and BigQuery is as happy with either). The fact keeps a stored row whose version is later
 * (greater kafka_timestamp, kafka_partition, kafka_offset; packages/silver README).
 *
 * `partitions` are the values of the table's partition column the batch holds (the fact's
 * `order_month`s, as its manifest lists them per file): the ON clause names them as constants, so BigQuery reads
 * only those partitions of the target instead of the whole table (a MERGE prunes on constant
 * filters only, never through a join). This relies on the contract's rule that a row never moves
 * to another partition between versions: an order item's order_month comes from its order's
 * date, which a later version of the item repeats.
 */
export function bigqueryMergeSql(
  project: string,
  dataset: string,
  table: SilverTableName,
  staging: string,
  partitions: readonly string[] = [],
): string {
  const spec = SILVER_TABLES[table];
  const typeOf = new Map(spec.columns.map((c) => [c.name, BIGQUERY_TYPES[c.type]]));
  const source = (c: string) => `CAST(S.${ident(c)} AS ${typeOf.get(c)})`;
  const columns = columnNames(table);
  // BigQuery cannot order STRUCTs: the later-version rule is spelled out column by column.
  const matched = VERSIONED_TABLES.has(table)
    ? `WHEN MATCHED AND ${notEarlierSql(source, (c) => `T.${ident(c)}`)}`
    : 'WHEN MATCHED';
  const sets = columns
    .filter((c) => c !== spec.primaryKey)
    .map((c) => `${ident(c)} = ${source(c)}`)
    .join(', ');
  const pruning =
    spec.partitionBy && partitions.length > 0
      ? ` AND T.${ident(spec.partitionBy)} IN (${partitions.map((p) => `DATE ${stringLiteral(p)}`).join(', ')})`
      : '';
  // An INT64 or STRING key is compared as loaded (Parquet gives the same type as the contract):
  // a CAST around it would hide the column from the join planner of the emulator's SQLite, which
  // then compares every target row with every staging row.
  const keyType = typeOf.get(spec.primaryKey);
  const key =
    keyType === 'INT64' || keyType === 'STRING'
      ? `S.${ident(spec.primaryKey)}`
      : source(spec.primaryKey);
  return `MERGE ${tableRef(project, dataset, table)} AS T
USING ${tableRef(project, dataset, staging)} AS S
ON T.${ident(spec.primaryKey)} = ${key}${pruning}
${matched} THEN UPDATE SET ${sets}
WHEN NOT MATCHED THEN INSERT (${columns.map(ident).join(', ')}) VALUES (${columns.map(source).join(', ')})`;
}

/** Rows (`n`) and distinct primary keys (`k`) of a table's staging table. */
export function stagingCheckSql(
  project: string,
  dataset: string,
  table: SilverTableName,
  staging: string,
): string {
  const pk = ident(SILVER_TABLES[table].primaryKey);
  return `SELECT COUNT(*) AS n, COUNT(DISTINCT ${pk}) AS k FROM ${tableRef(project, dataset, staging)}`;
}

/** The batch's row of `_lakestream_loads`, inserted only when missing (a re-run adds nothing). */
export function recordSql(project: string, dataset: string, batch: PublishedBatch): string {
  const rows = rowsByTable(batch.manifest);
  const values: Record<string, string> = {
    batch_id: stringLiteral(batch.id),
    sequence: String(batch.sequence),
    manifest_key: stringLiteral(batch.key),
    manifest_sha256: stringLiteral(batch.sha256),
    batch_created_at: `CAST(${stringLiteral(new Date(batch.manifest.created_at).toISOString().replace('T', ' ').replace('Z', '+00'))} AS TIMESTAMP)`,
    ...Object.fromEntries(SILVER_TABLE_NAMES.map((t) => [rowsColumn(t), String(rows[t])])),
    loaded_at: 'CURRENT_TIMESTAMP()',
  };
  const loads = tableRef(project, dataset, LOADS_TABLE);
  const names = LOADS_COLUMNS.map((c) => c.name);
  return `INSERT INTO ${loads} (${names.map(ident).join(', ')})
SELECT ${names.map((n) => values[n]).join(', ')} FROM UNNEST([1])
WHERE NOT EXISTS (SELECT 1 FROM ${loads} WHERE batch_id = ${stringLiteral(batch.id)})`;
}

/** Count (`n`) of the batch's rows in `_lakestream_loads`. */
export function recordedSql(project: string, dataset: string, batch: PublishedBatch): string {
  return `SELECT COUNT(*) AS n FROM ${tableRef(project, dataset, LOADS_TABLE)} WHERE batch_id = ${stringLiteral(batch.id)}`;
}

/** Every applied batch in `_lakestream_loads`. */
export function appliedSql(project: string, dataset: string): string {
  return `SELECT batch_id, sequence, manifest_sha256 FROM ${tableRef(project, dataset, LOADS_TABLE)}`;
}
