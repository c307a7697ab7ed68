/**
 * `reports.quality_stream` in SQL: its DDL per warehouse and the one MERGE both warehouses run,
 * which states `qualityReportReplaces` (packages/lake/src/quality-reports.ts): the later
 * `created_at` wins whatever the source; on an equal `created_at` a stream row beats a backfill
 * row; same source and equal `created_at` keeps the row already there. `load_ts` is the MERGE's time, written only on the rows it inserts or
 * replaces, so a re-run leaves every row as it was.
 */
import { QUALITY_STREAM_COLUMNS } from '@lakestream/lake';
import { quoteIdent } from '@lakestream/silver';
import { sqlString } from './db-sql.js';

/** The staging columns (every table column but `load_ts`). */
export const QUALITY_STAGED_COLUMNS = QUALITY_STREAM_COLUMNS.filter((c) => c.name !== 'load_ts');

const DUCKDB_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  FLOAT64: 'DOUBLE',
  TIMESTAMP: 'TIMESTAMPTZ',
};

/** The DuckDB DDL of the table (`schema.table` quoted). */
export function qualityStreamDuckdbDdl(table: string): string {
  const columns = QUALITY_STREAM_COLUMNS.map(
    (c) => `${quoteIdent(c.name)} ${DUCKDB_TYPES[c.type]}${nullable(c.name) ? '' : ' NOT NULL'}`,
  );
  return `CREATE TABLE IF NOT EXISTS ${table} (\n  ${columns.join(',\n  ')}\n)`;
}

/** The BigQuery schema fields of the table (or, without `load_ts`, of its staging table). */
export function qualityStreamBigqueryFields(
  withLoadTs: boolean,
): { name: string; type: string; mode: string }[] {
  return (withLoadTs ? QUALITY_STREAM_COLUMNS : QUALITY_STAGED_COLUMNS).map((c) => ({
    name: c.name,
    type: c.type,
    mode: nullable(c.name) ? 'NULLABLE' : 'REQUIRED',
  }));
}

function nullable(name: string): boolean {
  return ['overall_score', 'coverage', 'gaps', 'overlaps', 'avg_dur'].includes(name);
}

/** The DuckDB staging table of a local NDJSON file of staged reports. */
export function qualityStageDuckdbSql(stage: string, file: string): string {
  const spec = QUALITY_STAGED_COLUMNS.map(
    (c) => `${sqlString(c.name)}: ${sqlString(DUCKDB_TYPES[c.type]!)}`,
  ).join(', ');
  return `CREATE OR REPLACE TEMP TABLE ${stage} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${spec}})`;
}

/** How the two warehouses quote a name and write the MERGE's time. */
export interface MergeDialect {
  ident(name: string): string;
  timestamp(iso: string): string;
}

export const DUCKDB_DIALECT: MergeDialect = {
  ident: quoteIdent,
  timestamp: (iso) => `CAST(${sqlString(iso)} AS TIMESTAMPTZ)`,
};

/**
 * The MERGE of the staged reports (one row per insert id) into the table, at `at` (the load_ts
 * of the rows it writes).
 */
export function qualityMergeSql(
  dialect: MergeDialect,
  target: string,
  staged: string,
  at: string,
): string {
  const q = dialect.ident;
  const names = QUALITY_STAGED_COLUMNS.map((c) => c.name);
  const set = names
    .filter((n) => n !== 'insert_id')
    .map((n) => `${q(n)} = s.${q(n)}`)
    .concat(`${q('load_ts')} = ${dialect.timestamp(at)}`);
  return `MERGE INTO ${target} AS t
USING ${staged} AS s
ON t.${q('insert_id')} = s.${q('insert_id')}
WHEN MATCHED AND (
  s.${q('created_at')} > t.${q('created_at')}
  OR (s.${q('created_at')} = t.${q('created_at')} AND s.${q('source')} = 'stream' AND t.${q('source')} = 'backfill')
) THEN UPDATE SET ${set.join(', ')}
WHEN NOT MATCHED THEN INSERT (${[...names, 'load_ts'].map(q).join(', ')})
  VALUES (${names.map((n) => `s.${q(n)}`).join(', ')}, ${dialect.timestamp(at)})`;
}
