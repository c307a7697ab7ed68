/**
 * The silver star schema: one fact at the grain of an order item and the dimensions it references.
 * The transformer writes these tables as Parquet, the warehouse loader creates and upserts them, and
 * dbt reads them as sources; all three take names, types and keys from here.
 */

/** A column's logical type; each engine maps it to its own (see `DUCKDB_TYPES`, `BIGQUERY_TYPES`). */
export type SilverType = 'int64' | 'float64' | 'string' | 'date' | 'timestamp' | 'bool';

/** DuckDB types of the logical types. Timestamps are UTC instants. */
export const DUCKDB_TYPES: Readonly<Record<SilverType, string>> = {
  int64: 'BIGINT',
  float64: 'DOUBLE',
  string: 'VARCHAR',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  bool: 'BOOLEAN',
};

/** BigQuery (standard SQL) types of the logical types. */
export const BIGQUERY_TYPES: Readonly<Record<SilverType, string>> = {
  int64: 'INT64',
  float64: 'FLOAT64',
  string: 'STRING',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  bool: 'BOOL',
};

/** One column of a silver table. */
export interface SilverColumn {
  name: string;
  type: SilverType;
  nullable: boolean;
  description: string;
}

/** A foreign key of a silver table: `column` resolves to `references.column` of `references.table`. */
export interface SilverForeignKey {
  column: string;
  references: { table: SilverTableName; column: string };
}

/** One silver table: its columns in file order, primary key, foreign keys and partitioning. */
export interface SilverTable {
  name: SilverTableName;
  kind: 'fact' | 'dimension';
  description: string;
  columns: readonly SilverColumn[];
  primaryKey: string;
  foreignKeys: readonly SilverForeignKey[];
  /** The fact is written partitioned by this (DATE) column, one Parquet folder per value. */
  partitionBy?: string;
  /** BigQuery clustering of the warehouse table. */
  clusterBy?: readonly string[];
}

/** The silver tables, dimensions first (the order a loader applies a batch in). */
export const SILVER_TABLE_NAMES = [
  'dim_customer',
  'dim_product',
  'dim_geography',
  'dim_date',
  'fct_order_items',
] as const;

export type SilverTableName = (typeof SILVER_TABLE_NAMES)[number];

const col = (
  name: string,
  type: SilverType,
  description: string,
  nullable = false,
): SilverColumn => ({ name, type, nullable, description });

/** Lineage columns every fact row carries: the Kafka record it was built from. */
const LINEAGE: readonly SilverColumn[] = [
  col('kafka_topic', 'string', 'Topic of the Kafka record the row was built from'),
  col('kafka_partition', 'int64', 'Partition of that record'),
  col('kafka_offset', 'int64', 'Offset of that record'),
  col(
    'kafka_timestamp',
    'timestamp',
    "That record's Kafka timestamp (broker append time); of two versions of an item, the greater (timestamp, partition, offset) wins",
  ),
  col('silver_batch_id', 'string', 'The silver batch that last wrote the row'),
];

// biome-ignore format: one column per line keeps the tables readable as tables.
export const SILVER_TABLES: Readonly<Record<SilverTableName, SilverTable>> = {
  dim_customer: {
    name: 'dim_customer',
    kind: 'dimension',
    description: 'One row per customer, with the attributes of their latest order item.',
    primaryKey: 'customer_id',
    foreignKeys: [],
    columns: [
      col('customer_id', 'int64', 'Customer Id'),
      col('first_name', 'string', 'Customer Fname, trimmed'),
      col('last_name', 'string', 'Customer Lname, trimmed (empty in a few source rows)', true),
      col('segment', 'string', 'Customer Segment: Consumer, Corporate or Home Office'),
      col('street', 'string', 'Customer Street, trimmed'),
      col('city', 'string', 'Customer City, trimmed'),
      col('state', 'string', 'Customer State, trimmed'),
      col('country', 'string', 'Customer Country, trimmed'),
      col('zipcode', 'string', 'Customer Zipcode as text', true),
    ],
  },
  dim_product: {
    name: 'dim_product',
    kind: 'dimension',
    description: 'One row per product (Product Card Id), with its category and department.',
    primaryKey: 'product_card_id',
    foreignKeys: [],
    columns: [
      col('product_card_id', 'int64', 'Product Card Id'),
      col('product_name', 'string', 'Product Name, trimmed'),
      col('product_price', 'float64', 'Product Price (list price)'),
      col('product_status', 'int64', '1 if the product is not available, 0 if it is'),
      col('product_image', 'string', 'Product Image link'),
      col('category_id', 'int64', 'Category Id'),
      col('category_name', 'string', 'Category Name, trimmed'),
      col('department_id', 'int64', 'Department Id'),
      col('department_name', 'string', 'Department Name, trimmed'),
    ],
  },
  dim_geography: {
    name: 'dim_geography',
    kind: 'dimension',
    description: 'One row per order destination (city, state, country, region, market, zipcode).',
    primaryKey: 'geography_key',
    foreignKeys: [],
    columns: [
      col('geography_key', 'string', 'md5 hex of the six attributes joined by a unit separator; stable across batches'),
      col('order_city', 'string', 'Order City, trimmed'),
      col('order_state', 'string', 'Order State, trimmed'),
      col('order_country', 'string', 'Order Country, trimmed'),
      col('order_region', 'string', 'Order Region, trimmed'),
      col('market', 'string', 'Market: Africa, Europe, LATAM, Pacific Asia or USCA'),
      col('order_zipcode', 'string', 'Order Zipcode as text (mostly empty)', true),
    ],
  },
  dim_date: {
    name: 'dim_date',
    kind: 'dimension',
    description: 'One row per calendar day that is an order date or a shipping date of some item.',
    primaryKey: 'date_key',
    foreignKeys: [],
    columns: [
      col('date_key', 'int64', 'The day as YYYYMMDD'),
      col('date', 'date', 'The day'),
      col('year', 'int64', 'Calendar year'),
      col('quarter', 'int64', 'Calendar quarter, 1–4'),
      col('month', 'int64', 'Calendar month, 1–12'),
      col('month_start', 'date', 'First day of the month'),
      col('day_of_month', 'int64', 'Day of the month, 1–31'),
      col('day_of_week', 'int64', 'ISO day of the week, 1 = Monday … 7 = Sunday'),
      col('iso_week', 'int64', 'ISO week number'),
      col('is_weekend', 'bool', 'Saturday or Sunday'),
    ],
  },
  fct_order_items: {
    name: 'fct_order_items',
    kind: 'fact',
    description: 'One row per order item (latest version by Kafka offset), with its measures.',
    primaryKey: 'order_item_id',
    partitionBy: 'order_month',
    clusterBy: ['customer_id', 'product_card_id'],
    foreignKeys: [
      { column: 'customer_id', references: { table: 'dim_customer', column: 'customer_id' } },
      { column: 'product_card_id', references: { table: 'dim_product', column: 'product_card_id' } },
      { column: 'geography_key', references: { table: 'dim_geography', column: 'geography_key' } },
      { column: 'order_date_key', references: { table: 'dim_date', column: 'date_key' } },
      { column: 'shipping_date_key', references: { table: 'dim_date', column: 'date_key' } },
    ],
    columns: [
      col('order_item_id', 'int64', 'Order Item Id'),
      col('order_id', 'int64', 'Order Id'),
      col('customer_id', 'int64', 'Customer Id → dim_customer'),
      col('product_card_id', 'int64', 'Product Card Id → dim_product'),
      col('geography_key', 'string', 'Order destination → dim_geography'),
      col('order_date_key', 'int64', 'Order day (YYYYMMDD) → dim_date'),
      col('shipping_date_key', 'int64', 'Shipping day (YYYYMMDD) → dim_date'),
      col('order_ts', 'timestamp', 'order date (DateOrders), UTC'),
      col('shipping_ts', 'timestamp', 'shipping date (DateOrders), UTC'),
      col('order_month', 'date', 'First day of the order date’s month (the partition)'),
      col('quantity', 'int64', 'Order Item Quantity'),
      col('product_price', 'float64', 'Order Item Product Price'),
      col('discount', 'float64', 'Order Item Discount'),
      col('discount_rate', 'float64', 'Order Item Discount Rate (fraction)'),
      col('sales', 'float64', 'Sales = product_price × quantity'),
      col('item_total', 'float64', 'Order Item Total = sales − discount'),
      col('profit', 'float64', 'Order Profit Per Order (the profit of the item)'),
      col('profit_ratio', 'float64', 'Order Item Profit Ratio'),
      col('days_shipping_real', 'int64', 'Days for shipping (real)'),
      col('days_shipping_scheduled', 'int64', 'Days for shipment (scheduled)'),
      col('delivery_status', 'string', 'Delivery Status'),
      col('late_delivery_risk', 'int64', 'Late_delivery_risk: 1 late, 0 not'),
      col('order_status', 'string', 'Order Status'),
      col('payment_type', 'string', 'Type: DEBIT, TRANSFER, CASH or PAYMENT'),
      col('shipping_mode', 'string', 'Shipping Mode'),
      col('customer_segment', 'string', 'Customer Segment at the time of the order'),
      ...LINEAGE,
    ],
  },
};

/** The column names of a table, in file order. */
export function columnNames(table: SilverTableName): string[] {
  return SILVER_TABLES[table].columns.map((column) => column.name);
}

/** `CREATE TABLE` body for DuckDB: the columns with types, NOT NULL and the primary key. */
export function duckdbColumnsDdl(table: SilverTableName): string {
  const spec = SILVER_TABLES[table];
  const columns = spec.columns.map(
    (c) => `${quoteIdent(c.name)} ${DUCKDB_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`,
  );
  return [...columns, `PRIMARY KEY (${quoteIdent(spec.primaryKey)})`].join(',\n  ');
}

/** A BigQuery table schema (`fields`) of a silver table. */
export function bigquerySchema(
  table: SilverTableName,
): { name: string; type: string; mode: 'REQUIRED' | 'NULLABLE'; description: string }[] {
  return SILVER_TABLES[table].columns.map((c) => ({
    name: c.name,
    type: BIGQUERY_TYPES[c.type],
    mode: c.nullable ? 'NULLABLE' : 'REQUIRED',
    description: c.description,
  }));
}

/** Double-quotes an SQL identifier (DuckDB, PostgreSQL). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
