/**
 * The BigQuery types of the database source: which type holds a source column's values exactly,
 * how its encoded text (`DB_VALUE_KINDS`) is decoded in GoogleSQL, and which widenings BigQuery
 * can make in place (`ALTER COLUMN … SET DATA TYPE` accepts only coercible changes).
 */
import { DB_METADATA_COLUMNS, type DbColumn } from '@lakestream/lake';

/** NUMERIC holds 29 integer digits and 9 decimals; BIGNUMERIC 38 and 38. */
const NUMERIC = { whole: 29, scale: 9 };
const BIGNUMERIC = { whole: 38, scale: 38 };

/**
 * The BigQuery type of a source column. Every mapping keeps the value exact: BIGINT UNSIGNED
 * (past INT64) is NUMERIC, a decimal too wide for BIGNUMERIC stays text, and a MariaDB TIME
 * (`-838:59:59` … `838:59:59`, beyond BigQuery's 24-hour TIME) is its text.
 */
export function bigqueryTypeOf(column: Pick<DbColumn, 'kind' | 'column_type'>): string {
  switch (column.kind) {
    case 'integer':
      return 'INT64';
    case 'bigint':
      return /\bunsigned\b/.test(column.column_type) ? 'NUMERIC' : 'INT64';
    case 'decimal': {
      const match = /\((\d+)\s*(?:,\s*(\d+))?\)/.exec(column.column_type);
      const precision = Number(match?.[1] ?? 10);
      const scale = Number(match?.[2] ?? 0);
      const fits = (t: { whole: number; scale: number }) =>
        scale <= t.scale && precision - scale <= t.whole;
      return fits(NUMERIC) ? 'NUMERIC' : fits(BIGNUMERIC) ? 'BIGNUMERIC' : 'STRING';
    }
    case 'float':
      return 'FLOAT64';
    case 'date':
      return 'DATE';
    case 'time':
      return 'STRING';
    case 'datetime':
      return 'DATETIME';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'string':
      return 'STRING';
    case 'json':
      return 'JSON';
    case 'binary':
      return 'BYTES';
  }
}

/** The GoogleSQL turning a column's encoded text into its warehouse type. */
export function decodeBigquerySql(textSql: string, kind: DbColumn['kind'], type: string): string {
  if (type === 'STRING') return textSql;
  if (kind === 'binary' && type === 'BYTES') return `FROM_BASE64(${textSql})`;
  if (kind === 'json' && type === 'JSON') return `PARSE_JSON(${textSql})`;
  return `CAST(${textSql} AS ${type})`;
}

/** The metadata columns every synced table carries, with their BigQuery types. */
export const METADATA_FIELDS: readonly { name: string; type: string }[] = [
  { name: DB_METADATA_COLUMNS.runId, type: 'STRING' },
  { name: DB_METADATA_COLUMNS.syncedAt, type: 'TIMESTAMP' },
  { name: DB_METADATA_COLUMNS.deletedAt, type: 'TIMESTAMP' },
  { name: DB_METADATA_COLUMNS.rowHash, type: 'STRING' },
];

const NUMBER_RANK: Record<string, number> = { INT64: 1, NUMERIC: 2, BIGNUMERIC: 3, FLOAT64: 4 };

/**
 * The type a stored column must become to hold the values of `wanted` as well as its own: the
 * stored type when it already does (never narrows); undefined when that type is one BigQuery
 * cannot change the column to in place. In place BigQuery widens only along
 * INT64 → NUMERIC → BIGNUMERIC → FLOAT64 (FLOAT64 keeps no exactness, so it is taken only
 * when the source itself turned to a float); a STRING column holds every value's text.
 */
export function widenedBigqueryType(stored: string, wanted: string): string | undefined {
  const a = stored.toUpperCase();
  const b = wanted.toUpperCase();
  if (a === b || a === 'STRING') return a;
  const ra = NUMBER_RANK[a];
  const rb = NUMBER_RANK[b];
  if (ra !== undefined && rb !== undefined) return ra >= rb ? a : b;
  return undefined;
}
