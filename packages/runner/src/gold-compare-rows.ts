/**
 * Row-by-row comparison of one gold table read from two warehouses. Values arrive as canonical
 * text (see `canonicalValue`), so the rules are exact by construction: integers, decimals, dates,
 * UTC timestamps, booleans and strings must be equal as text; only FLOAT64 columns get a tolerance.
 */

/** How a column's values are compared; from the warehouse's column type. */
export type ColumnKind = 'int' | 'decimal' | 'float' | 'date' | 'timestamp' | 'bool' | 'string';

/** A table as read from one warehouse: columns in order with their kinds, rows as canonical text. */
export interface TableRead {
  readonly columns: readonly { readonly name: string; readonly kind: ColumnKind }[];
  readonly rows: readonly Readonly<Record<string, string | null>>[];
}

/**
 * The tolerance of a FLOAT64 column: |a − b| ≤ absolute + relative·max(|a|, |b|). Money columns are
 * FLOAT64 by contract but summed exactly (`exact_sum`), so both paths must give the same double and
 * get no tolerance (`exact`); this one is for averages and ratios, whose last bit may depend on the
 * engine. 1e-12 relative keeps a cent visible on sums up to 10^9.
 */
export const FLOAT_TOLERANCE = { relative: 1e-12, absolute: 1e-12 } as const;

/** One way a table differs between the two warehouses. */
export type RowDifference =
  | {
      readonly kind: 'only-in-duckdb';
      readonly key: string;
      readonly row: Record<string, string | null>;
    }
  | {
      readonly kind: 'only-in-bigquery';
      readonly key: string;
      readonly row: Record<string, string | null>;
    }
  | { readonly kind: 'duplicate-key'; readonly key: string; readonly side: 'duckdb' | 'bigquery' }
  | {
      readonly kind: 'values';
      readonly key: string;
      readonly columns: readonly {
        readonly column: string;
        readonly duckdb: string | null;
        readonly bigquery: string | null;
      }[];
    };

/** The verdict on one table. */
export interface TableComparison {
  readonly table: string;
  readonly key: readonly string[];
  readonly equal: boolean;
  readonly duckdbRows: number;
  readonly bigqueryRows: number;
  /** Column names or kinds that differ (then no row is compared). */
  readonly schemaProblems: readonly string[];
  /** Every differing row counted; only the first `firstDifferences.length` kept. */
  readonly differenceCount: number;
  readonly firstDifferences: readonly RowDifference[];
  /**
   * The largest relative deviation seen on a FLOAT64 column with a tolerance among matching rows
   * (0 when none).
   */
  readonly maxFloatDeviation: number;
  /** The columns compared without a tolerance though FLOAT64 (money). */
  readonly exactColumns: readonly string[];
}

/** How `compareTable` compares. */
export interface CompareOptions {
  /** Differences kept (all are counted); default 5. */
  readonly limit?: number;
  /** FLOAT64 columns that must be equal to the bit (money summed by `exact_sum`). */
  readonly exact?: ReadonlySet<string>;
}

/** Canonical decimal text: no leading '+', no trailing fractional zeros, no "-0". */
export function canonicalDecimal(text: string): string {
  let value = text.trim();
  if (value.startsWith('+')) value = value.slice(1);
  const negative = value.startsWith('-');
  if (negative) value = value.slice(1);
  let [whole = '0', fraction = ''] = value.split('.');
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return negative && /[1-9]/.test(body) ? `-${body}` : body;
}

/** A timestamp as ISO-8601 UTC with microseconds, from microseconds since the epoch. */
export function timestampFromMicros(micros: bigint): string {
  const millis = micros / 1000n;
  const rest = ((micros % 1000n) + 1000n) % 1000n;
  const floorMillis = micros < 0n && rest !== 0n ? millis - 1n : millis;
  const iso = new Date(Number(floorMillis)).toISOString();
  return `${iso.slice(0, 23)}${String(rest).padStart(3, '0')}Z`;
}

function floatsMatch(a: string, b: string): { equal: boolean; deviation: number } {
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return { equal: a === b, deviation: 0 };
  if (x === y) return { equal: true, deviation: 0 };
  const scale = Math.max(Math.abs(x), Math.abs(y));
  const deviation = Math.abs(x - y) / (scale || 1);
  const equal = Math.abs(x - y) <= FLOAT_TOLERANCE.absolute + FLOAT_TOLERANCE.relative * scale;
  return { equal, deviation };
}

function indexByKey(
  read: TableRead,
  key: readonly string[],
): { rows: Map<string, Record<string, string | null>>; duplicates: string[] } {
  const rows = new Map<string, Record<string, string | null>>();
  const duplicates: string[] = [];
  for (const row of read.rows) {
    const id = JSON.stringify(key.map((column) => row[column] ?? null));
    if (rows.has(id)) duplicates.push(id);
    else rows.set(id, { ...row });
  }
  return { rows, duplicates };
}

/**
 * Compares one table: same columns and kinds, same set of keys, and for every key the same values
 * under the column's rule (a FLOAT64 column in `exact` as text, like an integer). Keeps the first
 * `limit` differences (in key order) and counts them all.
 */
export function compareTable(
  table: string,
  key: readonly string[],
  duckdb: TableRead,
  bigquery: TableRead,
  options: CompareOptions = {},
): TableComparison {
  const limit = options.limit ?? 5;
  const exact = options.exact ?? new Set<string>();
  const base = {
    table,
    key,
    duckdbRows: duckdb.rows.length,
    bigqueryRows: bigquery.rows.length,
    exactColumns: duckdb.columns.filter((c) => exact.has(c.name)).map((c) => c.name),
  };
  const schemaProblems: string[] = [];
  const describe = (read: TableRead) => read.columns.map((c) => `${c.name} ${c.kind}`).join(', ');
  if (describe(duckdb) !== describe(bigquery)) {
    schemaProblems.push(
      `columns differ: duckdb (${describe(duckdb)}) vs bigquery (${describe(bigquery)})`,
    );
  }
  const missingKey = key.filter((column) => !duckdb.columns.some((c) => c.name === column));
  if (missingKey.length > 0) schemaProblems.push(`key column(s) missing: ${missingKey.join(', ')}`);
  if (schemaProblems.length > 0) {
    return {
      ...base,
      equal: false,
      schemaProblems,
      differenceCount: 1,
      firstDifferences: [],
      maxFloatDeviation: 0,
    };
  }

  const left = indexByKey(duckdb, key);
  const right = indexByKey(bigquery, key);
  const differences: RowDifference[] = [
    ...left.duplicates.map(
      (k): RowDifference => ({ kind: 'duplicate-key', key: k, side: 'duckdb' }),
    ),
    ...right.duplicates.map(
      (k): RowDifference => ({ kind: 'duplicate-key', key: k, side: 'bigquery' }),
    ),
  ];
  let maxFloatDeviation = 0;
  const keys = [...new Set([...left.rows.keys(), ...right.rows.keys()])].sort();
  for (const id of keys) {
    const a = left.rows.get(id);
    const b = right.rows.get(id);
    if (!b) {
      differences.push({ kind: 'only-in-duckdb', key: id, row: a! });
      continue;
    }
    if (!a) {
      differences.push({ kind: 'only-in-bigquery', key: id, row: b });
      continue;
    }
    const columns: { column: string; duckdb: string | null; bigquery: string | null }[] = [];
    for (const { name, kind } of duckdb.columns) {
      const x = a[name] ?? null;
      const y = b[name] ?? null;
      if (x === y) continue;
      if (kind === 'float' && x !== null && y !== null && exact.has(name)) {
        if (Number(x) === Number(y)) continue; // the same double, however each wrote it
      } else if (kind === 'float' && x !== null && y !== null) {
        const match = floatsMatch(x, y);
        maxFloatDeviation = Math.max(maxFloatDeviation, match.deviation);
        if (match.equal) continue;
      }
      columns.push({ column: name, duckdb: x, bigquery: y });
    }
    if (columns.length > 0) differences.push({ kind: 'values', key: id, columns });
  }
  return {
    ...base,
    equal: differences.length === 0,
    schemaProblems,
    differenceCount: differences.length,
    firstDifferences: differences.slice(0, limit),
    maxFloatDeviation,
  };
}

/** One line per difference, for the report. */
export function describeDifference(difference: RowDifference): string {
  switch (difference.kind) {
    case 'only-in-duckdb':
      return `key ${difference.key} only in DuckDB: ${JSON.stringify(difference.row)}`;
    case 'only-in-bigquery':
      return `key ${difference.key} only in BigQuery: ${JSON.stringify(difference.row)}`;
    case 'duplicate-key':
      return `key ${difference.key} appears more than once in ${difference.side === 'duckdb' ? 'DuckDB' : 'BigQuery'}`;
    case 'values':
      return `key ${difference.key}: ${difference.columns
        .map((c) => `${c.column} duckdb=${c.duckdb ?? 'NULL'} bigquery=${c.bigquery ?? 'NULL'}`)
        .join('; ')}`;
  }
}
