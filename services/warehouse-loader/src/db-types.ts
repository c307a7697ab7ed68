import { DB_METADATA_COLUMNS, type DbColumn } from '@lakestream/lake';

/** Widest DECIMAL DuckDB holds; a wider source decimal lands as its exact text. */
const MAX_DECIMAL_PRECISION = 38;

/**
 * The DuckDB type of a source column, from its value kind and COLUMN_TYPE. Every mapping keeps
 * the value exact: unsigned widths get the next wider integer, a decimal wider than DuckDB's 38
 * digits stays text, a MariaDB TIME (`-838:59:59` … `838:59:59`, beyond a day) is an INTERVAL.
 */
export function duckdbTypeOf(column: Pick<DbColumn, 'kind' | 'column_type'>): string {
  const unsigned = /\bunsigned\b/.test(column.column_type);
  switch (column.kind) {
    case 'integer':
      // TINYINT…MEDIUMINT (signed or not), INT and YEAR fit 32 bits; INT UNSIGNED does not.
      return unsigned && /^int(eger)?\b/.test(column.column_type) ? 'BIGINT' : 'INTEGER';
    case 'bigint':
      return unsigned ? 'UBIGINT' : 'BIGINT';
    case 'decimal': {
      const { precision, scale } = decimalDigits(column.column_type);
      return precision <= MAX_DECIMAL_PRECISION ? `DECIMAL(${precision},${scale})` : 'VARCHAR';
    }
    case 'float':
      return 'DOUBLE';
    case 'date':
      return 'DATE';
    case 'time':
      return 'INTERVAL';
    case 'datetime':
      return 'TIMESTAMP';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'string':
      return 'VARCHAR';
    case 'json':
      return 'JSON';
    case 'binary':
      return 'BLOB';
  }
}

/** `decimal(12,2) unsigned` → 12, 2; MariaDB's defaults (10, 0) when the type omits them. */
function decimalDigits(columnType: string): { precision: number; scale: number } {
  const match = /\((\d+)\s*(?:,\s*(\d+))?\)/.exec(columnType);
  return { precision: Number(match?.[1] ?? 10), scale: Number(match?.[2] ?? 0) };
}

/** The SQL turning a column's encoded text (`DB_VALUE_KINDS`) into its warehouse type. */
export function decodeSql(textSql: string, column: Pick<DbColumn, 'kind'>, type: string): string {
  return column.kind === 'binary' ? `from_base64(${textSql})` : `CAST(${textSql} AS ${type})`;
}

/** The metadata columns every synced table carries, with their DuckDB types. */
export const METADATA_COLUMNS_DDL: readonly (readonly [string, string])[] = [
  [DB_METADATA_COLUMNS.runId, 'VARCHAR'],
  [DB_METADATA_COLUMNS.syncedAt, 'TIMESTAMPTZ'],
  [DB_METADATA_COLUMNS.deletedAt, 'TIMESTAMPTZ'],
  [DB_METADATA_COLUMNS.rowHash, 'VARCHAR'],
];

const INTEGER_RANK: Record<string, number> = { INTEGER: 1, BIGINT: 2, HUGEINT: 3 };
/** Integer digits each integer type needs as a DECIMAL. */
const INTEGER_DIGITS: Record<string, number> = {
  INTEGER: 10,
  BIGINT: 19,
  UBIGINT: 20,
  HUGEINT: 38,
};

/**
 * The type a stored column must become to hold the values of `wanted` as well as its own; the
 * stored type when it already does. Never narrows: a source narrowing keeps the wider warehouse
 * type (values are cast into it). Types with no common exact type meet in VARCHAR, which holds
 * every value's text.
 */
export function widenedType(stored: string, wanted: string): string {
  const a = stored.toUpperCase();
  const b = wanted.toUpperCase();
  if (a === b) return a;
  if (a === 'VARCHAR') return a;
  const intA = a in INTEGER_DIGITS;
  const intB = b in INTEGER_DIGITS;
  if (intA && intB) {
    // Unsigned 64-bit beside a signed type: only HUGEINT holds both ranges.
    if (a === 'UBIGINT' || b === 'UBIGINT') return 'HUGEINT';
    return INTEGER_RANK[a]! >= INTEGER_RANK[b]! ? a : b;
  }
  const decA = decimalOf(a);
  const decB = decimalOf(b);
  if (decA && decB) {
    const scale = Math.max(decA.scale, decB.scale);
    const whole = Math.max(decA.precision - decA.scale, decB.precision - decB.scale);
    const precision = whole + scale;
    return precision <= MAX_DECIMAL_PRECISION ? `DECIMAL(${precision},${scale})` : 'VARCHAR';
  }
  if ((a === 'DOUBLE' && (intB || decB)) || (a === 'FLOAT' && b === 'DOUBLE')) return 'DOUBLE';
  if (b === 'DOUBLE' && (intA || decA)) return 'DOUBLE';
  if (a === 'TIMESTAMP' && b === 'DATE') return a;
  if (a === 'DATE' && b === 'TIMESTAMP') return b;
  return 'VARCHAR';
}

/** DECIMAL(p,s) as digits; an integer type as the DECIMAL that holds it; undefined otherwise. */
function decimalOf(type: string): { precision: number; scale: number } | undefined {
  const match = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (match) return { precision: Number(match[1]), scale: Number(match[2]) };
  const digits = INTEGER_DIGITS[type];
  return digits === undefined ? undefined : { precision: digits, scale: 0 };
}
