/**
 * Reads gold tables from BigQuery through the runner's REST client. The REST answer carries every
 * value as text – NUMERIC exactly, TIMESTAMP as int64 microseconds – which is what an exact
 * comparison wants.
 */
import { type BigQueryEndpoint, bigqueryQuery } from './bigquery-rest.js';
import { GoldCompareError } from './gold-compare-errors.js';
import {
  type ColumnKind,
  canonicalDecimal,
  type TableRead,
  timestampFromMicros,
} from './gold-compare-rows.js';

/** The comparison rule of a BigQuery column type. */
export function bigqueryKind(type: string): ColumnKind {
  switch (type.toUpperCase()) {
    case 'INTEGER':
    case 'INT64':
      return 'int';
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return 'decimal';
    case 'FLOAT':
    case 'FLOAT64':
      return 'float';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP':
      return 'timestamp';
    case 'BOOLEAN':
    case 'BOOL':
      return 'bool';
    case 'STRING':
      return 'string';
    default:
      throw new GoldCompareError(
        'LS_GOLD_COMPARE_TYPE_UNSUPPORTED',
        `BigQuery column type ${type} has no comparison rule`,
      );
  }
}

function canonical(kind: ColumnKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  switch (kind) {
    case 'decimal':
      return canonicalDecimal(text);
    case 'timestamp':
      // int64 microseconds as asked; float seconds from a server that ignores formatOptions.
      return timestampFromMicros(
        /^-?\d+$/.test(text) ? BigInt(text) : BigInt(Math.round(Number(text) * 1e6)),
      );
    case 'bool':
      return text.toLowerCase();
    default:
      return text;
  }
}

/** Reads `dataset.table` of each table, values as canonical text. */
export async function readBigQueryTables(
  endpoint: BigQueryEndpoint,
  dataset: string,
  tables: readonly string[],
): Promise<Map<string, TableRead>> {
  const result = new Map<string, TableRead>();
  for (const table of tables) {
    const { fields, rows } = await bigqueryQuery(
      endpoint,
      `select * from \`${endpoint.project}.${dataset}.${table}\``,
      { int64Timestamps: true },
    );
    const columns = fields.map((f) => ({ name: f.name, kind: bigqueryKind(f.type) }));
    result.set(table, {
      columns,
      rows: rows.map((values) =>
        Object.fromEntries(columns.map(({ name, kind }, i) => [name, canonical(kind, values[i])])),
      ),
    });
  }
  return result;
}
