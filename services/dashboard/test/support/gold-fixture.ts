import { DuckDBInstance } from '@duckdb/node-api';
import type { BigQuery } from '@google-cloud/bigquery';
import type { GoldTable } from '../../src/index.js';

/** Column kinds of the gold contract, and their types in each warehouse. */
type Kind = 'date' | 'int' | 'money' | 'float' | 'text' | 'bool';
type Value = string | number | boolean | null;

const DUCKDB_TYPES: Record<Kind, string> = {
  date: 'DATE',
  int: 'BIGINT',
  money: 'DECIMAL(18,2)',
  float: 'DOUBLE',
  text: 'VARCHAR',
  bool: 'BOOLEAN',
};
const BIGQUERY_TYPES: Record<Kind, string> = {
  date: 'DATE',
  int: 'INT64',
  money: 'NUMERIC',
  float: 'FLOAT64',
  text: 'STRING',
  bool: 'BOOL',
};

interface FixtureTable {
  columns: readonly (readonly [string, Kind])[];
  rows: readonly (readonly Value[])[];
}

/**
 * Hand-made gold rows following the contract's columns, small enough to check every figure by
 * hand: three months (the last one with only cancelled items, so its margin is NULL), the first
 * month without a retention rate, a department with nothing fulfilled, and eleven flagged
 * customers (one more than the chart shows, two tied on fraud orders) beside one big spender
 * who is not flagged.
 */
export const GOLD_FIXTURE: Readonly<Record<GoldTable, FixtureTable>> = {
  overall_performance: {
    columns: [
      ['month', 'date'],
      ['order_count', 'int'],
      ['item_count', 'int'],
      ['net_sales', 'money'],
      ['profit', 'float'],
      ['profit_margin', 'float'],
      ['avg_days_shipping_real', 'float'],
      ['avg_days_shipping_scheduled', 'float'],
      ['late_delivery_rate', 'float'],
    ],
    rows: [
      ['2017-12-01', 4, 8, 1500.5, 150.05, 0.1, 3.0, 2.5, 0.5],
      ['2017-11-01', 3, 5, 1000, 120, 0.12, 3.4, 2.8, 0.6],
      ['2018-01-01', 2, 2, 0, 0, null, 4, 4, 0],
    ],
  },
  customer_retention: {
    columns: [
      ['month', 'date'],
      ['active_customers', 'int'],
      ['new_customers', 'int'],
      ['returning_customers', 'int'],
      ['retained_customers', 'int'],
      ['retention_rate', 'float'],
    ],
    rows: [
      ['2017-11-01', 3, 3, 0, 0, null],
      ['2017-12-01', 4, 2, 2, 2, 2 / 3],
      ['2018-01-01', 2, 0, 2, 1, 0.25],
    ],
  },
  shipping_delays: {
    columns: [
      ['delivery_status', 'text'],
      ['shipping_mode', 'text'],
      ['item_count', 'int'],
      ['avg_delay_days', 'float'],
      ['late_rate', 'float'],
    ],
    rows: [
      ['Late delivery', 'Standard Class', 6, 1.5, 1],
      ['Late delivery', 'First Class', 3, 1, 1],
      ['Advance shipping', 'Standard Class', 2, -1, 0],
      ['Shipping on time', 'Second Class', 2, 0, 0],
      ['Shipping canceled', 'Same Day', 2, 0, 0],
    ],
  },
  financial_commitments: {
    columns: [
      ['department_name', 'text'],
      ['market', 'text'],
      ['category_name', 'text'],
      ['item_count', 'int'],
      ['net_sales', 'money'],
      ['open_commitments', 'money'],
      ['fulfilled_sales', 'money'],
      ['fulfilment_rate', 'float'],
    ],
    rows: [
      ['Fan Shop', 'LATAM', 'Camping & Hiking', 4, 800, 200, 500, 0.5],
      ['Fan Shop', 'Europe', 'Fishing', 3, 600, 0, 600, 1],
      ['Apparel', 'LATAM', 'Cleats', 5, 1000.5, 300.25, 400, 0.4],
      ['Golf', 'Pacific Asia', "Women's Golf Clubs", 3, 100, 100, 0, 0],
    ],
  },
  fraud_detection: {
    columns: [
      ['customer_id', 'int'],
      ['order_count', 'int'],
      ['suspected_fraud_orders', 'int'],
      ['fraud_order_rate', 'float'],
      ['total_spend', 'money'],
      ['transfer_order_share', 'float'],
      ['is_flagged', 'bool'],
    ],
    rows: [
      [101, 4, 3, 0.75, 500, 0.5, true],
      [102, 4, 3, 0.75, 900, 0.75, true],
      [103, 2, 2, 1, 100, 1, true],
      [104, 2, 1, 0.5, 50, 0.5, true],
      [105, 1, 1, 1, 300, 1, true],
      [106, 2, 1, 0.5, 200, 0, true],
      [107, 1, 1, 1, 150, 1, true],
      [108, 3, 1, 1 / 3, 120, 1 / 3, true],
      [109, 1, 1, 1, 110, 1, true],
      [110, 1, 1, 1, 105, 1, true],
      [111, 1, 1, 1, 20, 1, true],
      [112, 9, 0, 0, 5000, 0, false],
    ],
  },
};

function literal(value: Value, kind: Kind, dialect: 'duckdb' | 'bigquery'): string {
  if (value === null) return 'NULL';
  if (kind === 'date') return `DATE '${value}'`;
  if (kind === 'text') {
    // BigQuery escapes with backslashes (a JSON string is a valid literal), DuckDB by doubling.
    if (dialect === 'bigquery') return JSON.stringify(String(value));
    return `'${String(value).replaceAll("'", "''")}'`;
  }
  if (kind === 'bool') return value ? 'TRUE' : 'FALSE';
  if (kind === 'money' && dialect === 'bigquery') return `NUMERIC '${value}'`;
  return String(value);
}

function insertSql(
  qualified: string,
  table: FixtureTable,
  dialect: 'duckdb' | 'bigquery',
): string | undefined {
  if (table.rows.length === 0) return undefined;
  const names = table.columns.map(([name]) => name).join(', ');
  const values = table.rows
    .map(
      (row) =>
        `(${row.map((value, i) => literal(value, table.columns[i]![1], dialect)).join(', ')})`,
    )
    .join(',\n');
  return `INSERT INTO ${qualified} (${names}) VALUES\n${values}`;
}

/** Which tables to write and with which rows; default the whole fixture. */
export type GoldTables = Partial<Record<GoldTable, FixtureTable>>;

/** Creates the schema `gold` in a DuckDB file with the given tables, then closes the file. */
export async function writeDuckdbGold(
  path: string,
  tables: GoldTables = GOLD_FIXTURE,
): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run('CREATE SCHEMA IF NOT EXISTS gold');
    for (const [name, table] of Object.entries(tables)) {
      const columns = table.columns.map(([c, kind]) => `${c} ${DUCKDB_TYPES[kind]}`).join(', ');
      await connection.run(`CREATE OR REPLACE TABLE gold.${name} (${columns})`);
      const insert = insertSql(`gold.${name}`, table, 'duckdb');
      if (insert !== undefined) await connection.run(insert);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Creates a dataset with the given tables in BigQuery (the emulator in tests). */
export async function writeBigqueryGold(
  client: BigQuery,
  datasetId: string,
  tables: GoldTables = GOLD_FIXTURE,
): Promise<void> {
  const [dataset] = await client.createDataset(datasetId);
  for (const [name, table] of Object.entries(tables)) {
    await dataset.createTable(name, {
      schema: table.columns.map(([c, kind]) => ({ name: c, type: BIGQUERY_TYPES[kind] })),
    });
    const insert = insertSql(`\`${datasetId}.${name}\``, table, 'bigquery');
    if (insert !== undefined) await client.query(insert);
  }
}

/** The KPIs the fixture must give, worked out by hand. */
export const FIXTURE_KPIS = {
  total_net_sales: 2500.5,
  total_profit: 270.05,
  profit_margin: 270.05 / 2500.5,
  items: 15,
  orders: 9,
  customers: 12,
  latest_month: '2018-01-01',
  flagged_customers: 11,
  // (0.6 × 5 + 0.5 × 8 + 0 × 2) ÷ 15 items
  late_delivery_rate: 7 / 15,
};
