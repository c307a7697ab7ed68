/** The gold tables the dashboard reads (schema `gold` in DuckDB, a dataset in BigQuery). */
export type GoldTable =
  | 'overall_performance'
  | 'customer_retention'
  | 'shipping_delays'
  | 'financial_commitments'
  | 'fraud_detection';

/** One result row, column name → value as the client returned it. */
export type Row = Readonly<Record<string, unknown>>;

/**
 * What differs between the warehouses in the SQL the dashboard writes. Queries are written once
 * against this; every value leaves the warehouse as a JSON-friendly number, text or boolean, so no
 * client-specific type (DuckDB bigint/decimal/date objects, BigQuery Big/BigQueryDate) escapes.
 */
export interface SqlDialect {
  /** `duckdb` or `bigquery`. */
  readonly name: 'duckdb' | 'bigquery';
  /** The fully qualified, quoted name of a gold table. */
  table(name: GoldTable): string;
  /** An expression as a double (counts, sums, decimals, ratios). */
  number(expr: string): string;
  /** An expression as text (dates become `YYYY-MM-DD`). */
  text(expr: string): string;
}

/** A source of gold rows. */
export interface Warehouse {
  /** The SQL differences of this warehouse. */
  readonly dialect: SqlDialect;
  /** Where it reads from, for the page and logs: a file path or `project.dataset`. */
  readonly location: string;
  /** Runs one read-only query; rejects with a `DashboardError` (503 for "not usable now"). */
  query(sql: string): Promise<Row[]>;
  /** Releases what the warehouse holds; idempotent. */
  close(): Promise<void>;
}

function quoteDuckdb(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** DuckDB: tables in the schema `gold`, `CAST(… AS DOUBLE)`, `CAST(… AS VARCHAR)`. */
export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  table: (name) => `${quoteDuckdb('gold')}.${quoteDuckdb(name)}`,
  number: (expr) => `CAST(${expr} AS DOUBLE)`,
  text: (expr) => `CAST(${expr} AS VARCHAR)`,
};

/** BigQuery: `` `project.dataset.table` ``, `CAST(… AS FLOAT64)`, `CAST(… AS STRING)`. */
export function bigqueryDialect(project: string, dataset: string): SqlDialect {
  const quote = (part: string) => part.replaceAll('`', '');
  return {
    name: 'bigquery',
    table: (name) => `\`${quote(project)}.${quote(dataset)}.${quote(name)}\``,
    number: (expr) => `CAST(${expr} AS FLOAT64)`,
    text: (expr) => `CAST(${expr} AS STRING)`,
  };
}
