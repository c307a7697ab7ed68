import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { GoldCompareError } from './gold-compare-errors.js';
import {
  type ColumnKind,
  canonicalDecimal,
  type TableRead,
  timestampFromMicros,
} from './gold-compare-rows.js';

/** The comparison rule of a DuckDB column type. */
export function duckdbKind(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(t))
    return 'int';
  if (t.startsWith('DECIMAL')) return 'decimal';
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') return 'float';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'BOOLEAN') return 'bool';
  if (t === 'VARCHAR') return 'string';
  throw new GoldCompareError(
    'LS_GOLD_COMPARE_TYPE_UNSUPPORTED',
    `DuckDB column type ${type} has no comparison rule`,
  );
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Reads `schema.table` of each table from a DuckDB file (read-only), values as canonical text. */
export async function readDuckdbTables(
  warehousePath: string,
  schema: string,
  tables: readonly string[],
): Promise<Map<string, TableRead>> {
  if (!existsSync(warehousePath)) {
    throw new GoldCompareError(
      'LS_GOLD_COMPARE_DUCKDB_FAILED',
      `no DuckDB warehouse at ${warehousePath}`,
    );
  }
  const instance = await DuckDBInstance.create(warehousePath, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const result = new Map<string, TableRead>();
    for (const table of tables) {
      const target = `${quote(schema)}.${quote(table)}`;
      let described: Record<string, unknown>[];
      try {
        described = (await connection.runAndReadAll(`describe ${target}`)).getRowObjectsJS();
      } catch (err) {
        throw new GoldCompareError(
          'LS_GOLD_COMPARE_DUCKDB_FAILED',
          `cannot read ${schema}.${table} from ${warehousePath}`,
          {
            cause: err,
          },
        );
      }
      const columns = described.map((c) => ({
        name: String(c.column_name),
        kind: duckdbKind(String(c.column_type)),
      }));
      const select = columns
        .map(({ name, kind }) =>
          kind === 'timestamp'
            ? `cast(epoch_us(${quote(name)}) as varchar) as ${quote(name)}`
            : `cast(${quote(name)} as varchar) as ${quote(name)}`,
        )
        .join(', ');
      const rows = (await connection.runAndReadAll(`select ${select} from ${target}`))
        .getRowObjectsJS()
        .map((row) => {
          const out: Record<string, string | null> = {};
          for (const { name, kind } of columns) {
            const value = row[name];
            out[name] =
              value === null || value === undefined
                ? null
                : kind === 'timestamp'
                  ? timestampFromMicros(BigInt(String(value)))
                  : String(value);
          }
          return out;
        });
      result.set(table, { columns, rows: canonicalDecimals(columns, rows) });
    }
    return result;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** DuckDB prints a DECIMAL with its full scale ("12.50"); the canonical text drops trailing zeros. */
function canonicalDecimals(
  columns: TableRead['columns'],
  rows: Record<string, string | null>[],
): Record<string, string | null>[] {
  const decimals = columns.filter((c) => c.kind === 'decimal').map((c) => c.name);
  if (decimals.length === 0) return rows;
  return rows.map((row) => {
    for (const name of decimals) {
      const value = row[name];
      if (value !== null && value !== undefined) row[name] = canonicalDecimal(value);
    }
    return row;
  });
}
