/**
 * A test fixture: a DuckDB warehouse whose `silver` schema follows packages/silver, filled straight
 * from a DataCo CSV with DuckDB SQL. It stands in for the transformer and the warehouse loader so
 * the dbt project can be checked on its own; it shares no code with them, only the contract
 * (table DDL from `duckdbColumnsDdl`).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbColumnsDdl, SILVER_TABLE_NAMES } from '@lakestream/silver';

/** What the fixture loaded. */
export interface SilverWarehouseSummary {
  readonly rows: Readonly<Record<(typeof SILVER_TABLE_NAMES)[number], number>>;
}

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Typed, trimmed order items read from the CSV (latin-1), one row per CSV row. */
function itemsSql(csvPath: string): string {
  return `
    create temp table items as
    with raw as (
      select * from read_csv(${sqlString(csvPath)}, header = true, all_varchar = true,
        encoding = 'latin-1', quote = '"', escape = '"', delim = ',')
    )
    select
      cast("Order Item Id" as bigint) as order_item_id,
      cast("Order Id" as bigint) as order_id,
      cast("Order Customer Id" as bigint) as customer_id,
      cast("Product Card Id" as bigint) as product_card_id,
      strptime("order date (DateOrders)", '%m/%d/%Y %H:%M') as order_ts,
      strptime("shipping date (DateOrders)", '%m/%d/%Y %H:%M') as shipping_ts,
      cast("Order Item Quantity" as bigint) as quantity,
      cast("Order Item Product Price" as double) as item_product_price,
      cast("Order Item Discount" as double) as discount,
      cast("Order Item Discount Rate" as double) as discount_rate,
      cast("Sales" as double) as sales,
      cast("Order Item Total" as double) as item_total,
      cast("Order Profit Per Order" as double) as profit,
      cast("Order Item Profit Ratio" as double) as profit_ratio,
      cast("Days for shipping (real)" as bigint) as days_shipping_real,
      cast("Days for shipment (scheduled)" as bigint) as days_shipping_scheduled,
      trim("Delivery Status") as delivery_status,
      cast("Late_delivery_risk" as bigint) as late_delivery_risk,
      trim("Order Status") as order_status,
      trim("Type") as payment_type,
      trim("Shipping Mode") as shipping_mode,
      trim("Customer Segment") as customer_segment,
      trim("Customer Fname") as first_name,
      nullif(trim("Customer Lname"), '') as last_name,
      trim("Customer Street") as street,
      trim("Customer City") as city,
      trim("Customer State") as state,
      trim("Customer Country") as country,
      nullif(trim("Customer Zipcode"), '') as zipcode,
      trim("Product Name") as product_name,
      cast("Product Price" as double) as product_price,
      cast("Product Status" as bigint) as product_status,
      trim("Product Image") as product_image,
      cast("Category Id" as bigint) as category_id,
      trim("Category Name") as category_name,
      cast("Department Id" as bigint) as department_id,
      trim("Department Name") as department_name,
      trim("Order City") as order_city,
      trim("Order State") as order_state,
      trim("Order Country") as order_country,
      trim("Order Region") as order_region,
      trim("Market") as market,
      nullif(trim("Order Zipcode"), '') as order_zipcode
    from raw`;
}

const GEOGRAPHY_KEY = `md5(concat_ws(chr(31), order_city, order_state, order_country, order_region,
  market, coalesce(order_zipcode, '')))`;

const dateKey = (day: string): string => `cast(strftime(${day}, '%Y%m%d') as bigint)`;

/** The INSERT of each silver table from the `items` temp table. */
function insertSql(kafkaTimestamp: string): Record<(typeof SILVER_TABLE_NAMES)[number], string> {
  return {
    dim_customer: `
      insert into silver.dim_customer
      select distinct on (customer_id)
        customer_id, first_name, last_name, customer_segment, street, city, state, country, zipcode
      from items
      order by customer_id, order_ts desc, order_item_id desc`,
    dim_product: `
      insert into silver.dim_product
      select distinct on (product_card_id)
        product_card_id, product_name, product_price, product_status, product_image,
        category_id, category_name, department_id, department_name
      from items
      order by product_card_id, order_ts desc, order_item_id desc`,
    dim_geography: `
      insert into silver.dim_geography
      select distinct ${GEOGRAPHY_KEY}, order_city, order_state, order_country, order_region,
        market, order_zipcode
      from items`,
    dim_date: `
      insert into silver.dim_date
      with days as (
        select cast(order_ts as date) as day from items
        union
        select cast(shipping_ts as date) from items
      )
      select ${dateKey('day')}, day, year(day), quarter(day), month(day),
        cast(date_trunc('month', day) as date), day(day), isodow(day), weekofyear(day),
        isodow(day) in (6, 7)
      from days`,
    fct_order_items: `
      insert into silver.fct_order_items
      select
        order_item_id, order_id, customer_id, product_card_id, ${GEOGRAPHY_KEY},
        ${dateKey('order_ts')}, ${dateKey('shipping_ts')}, order_ts, shipping_ts,
        cast(date_trunc('month', order_ts) as date),
        quantity, item_product_price, discount, discount_rate, sales, item_total, profit,
        profit_ratio, days_shipping_real, days_shipping_scheduled, delivery_status,
        late_delivery_risk, order_status, payment_type, shipping_mode, customer_segment,
        'lakestream.order_items.v1', 0, order_item_id - 1,
        cast(${sqlString(kafkaTimestamp)} as timestamp), '00000001'
      from items`,
  };
}

/**
 * Creates (or replaces) the DuckDB file `warehousePath` with schema `silver` filled from the
 * DataCo CSV at `csvPath`, then closes it: dbt opens the file next.
 */
export async function buildSilverWarehouse(
  warehousePath: string,
  csvPath: string,
): Promise<SilverWarehouseSummary> {
  const instance = await DuckDBInstance.create(warehousePath);
  const connection = await instance.connect();
  try {
    await connection.run(itemsSql(csvPath));
    await connection.run('create schema if not exists silver');
    const inserts = insertSql(new Date().toISOString().replace('T', ' ').replace('Z', ''));
    const rows: Partial<Record<(typeof SILVER_TABLE_NAMES)[number], number>> = {};
    for (const table of SILVER_TABLE_NAMES) {
      await connection.run(`drop table if exists silver.${table}`);
      await connection.run(`create table silver.${table} (\n  ${duckdbColumnsDdl(table)}\n)`);
      await connection.run(inserts[table]);
      const count = await connection.runAndReadAll(`select count(*) from silver.${table}`);
      rows[table] = Number(count.getRows()[0]![0]);
    }
    await connection.run('checkpoint');
    return { rows: rows as SilverWarehouseSummary['rows'] };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Runs read-only queries on a warehouse file and closes it again (dbt must be able to open it). */
export async function queryWarehouse<T>(
  warehousePath: string,
  read: (query: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(warehousePath, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return await read(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
