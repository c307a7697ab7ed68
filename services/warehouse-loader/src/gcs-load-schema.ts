/**
 * The columns of a prefix's JSON-lines objects as DuckDB detects them, in BigQuery's types: what
 * `gcs-load` gives a load job on the BigQuery emulator, which cannot autodetect (README). Nested
 * values (structs, lists, maps) become JSON columns.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** A BigQuery schema field. */
export interface BigqueryField {
  name: string;
  type: string;
}

/** The BigQuery type of a DuckDB column type. */
export function bigqueryTypeOf(duckdbType: string): string {
  if (/^(VARCHAR|UUID|"NULL"|NULL)$/.test(duckdbType)) return 'STRING';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER)$/.test(duckdbType))
    return 'INT64';
  if (/^(FLOAT|DOUBLE|DECIMAL.*|UBIGINT|HUGEINT)$/.test(duckdbType)) return 'FLOAT64';
  if (duckdbType === 'BOOLEAN') return 'BOOL';
  if (duckdbType.startsWith('TIMESTAMP')) return 'TIMESTAMP';
  if (duckdbType === 'DATE') return 'DATE';
  if (duckdbType === 'TIME') return 'TIME';
  return 'JSON';
}

/** The detected fields of `readSql` (a `read_json(…)` call). */
export async function detectBigqueryFields(
  conn: DuckDBConnection,
  readSql: string,
): Promise<BigqueryField[]> {
  const rows = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${readSql}`)).getRowObjectsJson();
  return rows.map((r) => ({
    name: String(r.column_name),
    type: bigqueryTypeOf(String(r.column_type)),
  }));
}
