/**
 * The DuckDB statements of a Firestore collection snapshot: the object's rows read with the
 * manifest's columns, each value converted from the contract's JSON encoding
 * (packages/lake/src/firestore.ts) into its warehouse type, and the bookkeeping table that
 * makes a re-announced run a no-op and keeps an older read time from replacing a newer one.
 */
import type { FileColumn, FileColumnType } from '@lakestream/lake';
import { quoteIdent } from '@lakestream/silver';
import { sqlString } from './db-sql.js';

/** One row per (table, run) loaded into a `firestore_<project>` schema. */
export const SNAPSHOTS_TABLE = '_ls_snapshots';

/**
 * The DuckDB type of each manifest column type. TIMESTAMP is TIMESTAMPTZ: the values are UTC
 * instants, and a TIMESTAMPTZ says so to every reader (dbt, the dashboard) whatever its zone.
 */
export const DUCKDB_FILE_TYPES: Record<FileColumnType, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  BYTES: 'BLOB',
  JSON: 'JSON',
};

/**
 * A column's value (read as JSON) in its warehouse type. Scalars go through their JSON text, so
 * an int64 written as decimal text and a double written `"NaN"`/`"Infinity"`/`"-Infinity"` cast
 * like the numbers; a JSON null or a missing field is NULL. A value the type cannot hold fails
 * the statement (and with it the whole replace).
 */
function decode(ref: string, type: FileColumnType): string {
  const text = `json_extract_string(${ref}, '$')`;
  switch (type) {
    case 'JSON':
      // A JSON null is SQL NULL, as in every other column.
      return `CASE WHEN json_type(${ref}) = 'NULL' THEN NULL ELSE ${ref} END`;
    case 'BYTES':
      return `from_base64(${text})`;
    case 'STRING':
      return text;
    default:
      return `CAST(${text} AS ${DUCKDB_FILE_TYPES[type]})`;
  }
}

/**
 * `CREATE OR REPLACE TABLE target AS` the object's rows, in the manifest's column order; `file`
 * is a local gzip NDJSON file, or undefined for an empty collection (the table with no rows).
 */
export function snapshotSql(
  target: string,
  columns: readonly FileColumn[],
  file: string | undefined,
): string {
  const select = columns
    .map((c) => `${decode(`r.${quoteIdent(c.name)}`, c.type)} AS ${quoteIdent(c.name)}`)
    .join(',\n  ');
  if (file === undefined) {
    const nulls = columns.map((c) => `NULL::JSON AS ${quoteIdent(c.name)}`).join(', ');
    return `CREATE OR REPLACE TABLE ${target} AS SELECT ${select} FROM (SELECT ${nulls}) r WHERE false`;
  }
  const spec = columns.map((c) => `${sqlString(c.name)}: 'JSON'`).join(', ');
  return `CREATE OR REPLACE TABLE ${target} AS SELECT ${select}
FROM read_json(${sqlString(file)}, format = 'newline_delimited', compression = 'gzip', columns = {${spec}}) r`;
}

/** The DDL of the bookkeeping table of a schema. */
export function snapshotsDdl(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.${SNAPSHOTS_TABLE} (
  table_name VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  read_time TIMESTAMPTZ NOT NULL,
  object_key VARCHAR NOT NULL,
  "rows" BIGINT NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL
)`;
}
