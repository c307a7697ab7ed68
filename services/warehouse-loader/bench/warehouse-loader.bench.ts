/**
 * Loads a DataCo-sized silver batch (180,519 order items and their dimensions) into a fresh
 * DuckDB warehouse with the loader, beside DuckDB itself copying the same Parquet files into
 * key-less tables (`CREATE TABLE AS SELECT * FROM read_parquet(…)`: the floor for any load), then
 * applies a second batch that updates every item (the upsert path). Prints rows/s and the ratio.
 *
 *   pnpm --filter @lakestream/warehouse-loader bench        (BENCH_ROWS=… to change the size)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { createLocalStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import { quoteIdent, SILVER_TABLE_NAMES } from '@lakestream/silver';
import { tablesToLoad } from '../src/batches.js';
import { createDuckdbTarget } from '../src/duckdb-target.js';
import { createLoader } from '../src/loader.js';
import { type SilverBatchSpec, writeSilverBatch } from '../test/support/silver-writer.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 180_519);

/** A batch of `ROWS` items at offsets `offsetBase + i`, with every dimension row they reference. */
function batchSpec(sequence: number, offsetBase: number, status: string): SilverBatchSpec {
  const id = String(sequence).padStart(8, '0');
  const day = `DATE '2015-01-01' + CAST(i % 1100 AS INTEGER)`;
  return {
    sequence,
    tables: {
      dim_customer: {
        sql: `SELECT i AS customer_id, 'Nombre' || i AS first_name, CASE WHEN i % 50 = 0 THEN NULL ELSE 'Apellido' || i END AS last_name,
          ['Consumer','Corporate','Home Office'][1 + i % 3] AS segment, i || ' Calle Mayor' AS street, 'Caguas' AS city, 'PR' AS state,
          'Puerto Rico' AS country, CAST(700 + i % 300 AS VARCHAR) AS zipcode FROM range(1, 20001) t(i)`,
      },
      dim_product: {
        sql: `SELECT i AS product_card_id, 'Producto ' || i AS product_name, 10.0 + i AS product_price, 0 AS product_status,
          'http://images.example/' || i || '.jpg' AS product_image, 1 + i % 50 AS category_id, 'Categoría ' || (1 + i % 50) AS category_name,
          1 + i % 11 AS department_id, 'Departamento ' || (1 + i % 11) AS department_name FROM range(1, 119) t(i)`,
      },
      dim_geography: {
        sql: `SELECT md5(CAST(i AS VARCHAR)) AS geography_key, 'Ciudad ' || i AS order_city, 'Estado ' || (i % 500) AS order_state,
          'País ' || (i % 160) AS order_country, 'Región ' || (i % 23) AS order_region, ['Africa','Europe','LATAM','Pacific Asia','USCA'][1 + i % 5] AS market,
          NULL AS order_zipcode FROM range(1, 3601) t(i)`,
      },
      dim_date: {
        sql: `SELECT CAST(strftime(d, '%Y%m%d') AS BIGINT) AS date_key, d AS date, year(d) AS year, quarter(d) AS quarter, month(d) AS month,
          CAST(date_trunc('month', d) AS DATE) AS month_start, day(d) AS day_of_month, isodow(d) AS day_of_week, weekofyear(d) AS iso_week,
          isodow(d) >= 6 AS is_weekend FROM (SELECT CAST(DATE '2015-01-01' + CAST(i AS INTEGER) AS DATE) AS d FROM range(0, 1110) t(i))`,
      },
      fct_order_items: {
        sql: `SELECT i AS order_item_id, i // 3 AS order_id, 1 + (i * 7919) % 20000 AS customer_id, 1 + i % 118 AS product_card_id,
          md5(CAST(1 + i % 3600 AS VARCHAR)) AS geography_key,
          CAST(strftime(${day}, '%Y%m%d') AS BIGINT) AS order_date_key, CAST(strftime(${day} + 3, '%Y%m%d') AS BIGINT) AS shipping_date_key,
          CAST(${day} AS TIMESTAMP) + to_seconds(i % 86400) AS order_ts, CAST(${day} + 3 AS TIMESTAMP) AS shipping_ts,
          CAST(date_trunc('month', ${day}) AS DATE) AS order_month, 1 + i % 5 AS quantity, 10.0 + i % 118 AS product_price,
          round((10.0 + i % 118) * (1 + i % 5) * 0.05, 2) AS discount, 0.05 AS discount_rate, (10.0 + i % 118) * (1 + i % 5) AS sales,
          (10.0 + i % 118) * (1 + i % 5) * 0.95 AS item_total, 12.5 AS profit, 0.1 AS profit_ratio, 3 AS days_shipping_real,
          4 AS days_shipping_scheduled, 'Shipping on time' AS delivery_status, 0 AS late_delivery_risk, '${status}' AS order_status,
          'DEBIT' AS payment_type, 'Standard Class' AS shipping_mode, 'Consumer' AS customer_segment,
          'lakestream.order_items.v1' AS kafka_topic, i % 3 AS kafka_partition, ${offsetBase} + i AS kafka_offset,
          CAST(${day} AS TIMESTAMP) AS kafka_timestamp, '${id}' AS silver_batch_id FROM range(1, ${ROWS + 1}) t(i)`,
      },
    },
  };
}

const dir = await mkdtemp(join(tmpdir(), 'warehouse-loader-bench-'));
try {
  const store = createLocalStore(join(dir, 'lake'));
  const began = performance.now();
  await writeSilverBatch(store, batchSpec(1, 0, 'PENDING'));
  await writeSilverBatch(store, batchSpec(2, 1_000_000, 'COMPLETE'));
  const [first, second] = await Promise.all(
    [1, 2].map(async (n) => {
      const { readBatch } = await import('../src/batches.js');
      const id = String(n).padStart(8, '0');
      return readBatch(store, { id, sequence: n, key: `silver/_batches/${id}.json` });
    }),
  );
  const rowsPerBatch = SILVER_TABLE_NAMES.reduce((s, t) => s + first!.manifest.tables[t].rows, 0);
  console.log(
    `wrote 2 silver batches of ${ROWS.toLocaleString('en')} order items (${rowsPerBatch.toLocaleString('en')} rows in all 5 tables) in ${s(began)}`,
  );

  // Reference: DuckDB copying the same files into key-less tables in a fresh file; run before
  // and after the loader, best of both (the first also warms the file cache for everyone).
  const referenceRun = async (name: string): Promise<number> => {
    const started = performance.now();
    const reference = await DuckDBInstance.create(join(dir, `${name}.duckdb`));
    const connection = await reference.connect();
    for (const { table, keys } of tablesToLoad(first!.manifest)) {
      const files = keys.map((k) => `'${fileURLToPath(store.uri(k))}'`).join(', ');
      await connection.run(
        `CREATE TABLE ${quoteIdent(table)} AS SELECT * FROM read_parquet([${files}])`,
      );
    }
    connection.closeSync();
    reference.closeSync();
    return (performance.now() - started) / 1000;
  };
  const referenceBefore = await referenceRun('reference-1');

  const logger = createLogger({ service: 'warehouse-loader-bench', level: 'warn' });
  const target = createDuckdbTarget({ path: join(dir, 'warehouse.duckdb'), store });
  const loader = createLoader({ store, target, logger });
  // Apply batch 1 alone (inserts), then batch 2 (every row an update), by hiding batch 2 first.
  const manifest2 = await store.get('silver/_batches/00000002.json');
  await store.delete('silver/_batches/00000002.json');
  const insert = await loader.runOnce();
  await store.put('silver/_batches/00000002.json', manifest2);
  const upsert = await loader.runOnce();
  const noop = await loader.runOnce();
  const referenceSeconds = Math.min(referenceBefore, await referenceRun('reference-2'));
  const check = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'));
  const reader = await (await check.connect()).runAndReadAll(
    "SELECT count(*) AS n, count(*) FILTER (WHERE order_status = 'COMPLETE' AND kafka_offset > 1000000) AS latest FROM silver.fct_order_items",
  );
  const [{ n, latest }] = reader.getRowObjectsJson() as [{ n: string; latest: string }];
  check.closeSync();

  const rate = (rows: number, ms: number) =>
    `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;
  const insertMs = insert.applied[0]!.durationMs;
  const upsertMs = upsert.applied[0]!.durationMs;
  console.log(
    `reference  CREATE TABLE AS SELECT * FROM read_parquet (no keys): ${referenceSeconds.toFixed(2)} s, ${rate(rowsPerBatch, referenceSeconds * 1000)}`,
  );
  console.log(
    `loader     batch 1 into an empty warehouse (INSERT … ON CONFLICT, PK checks, one transaction): ${(insertMs / 1000).toFixed(2)} s, ${rate(rowsPerBatch, insertMs)}  (${(insertMs / 1000 / referenceSeconds).toFixed(2)}× the reference)`,
  );
  console.log(
    `loader     batch 2 updating every row (upsert, later-version guard): ${(upsertMs / 1000).toFixed(2)} s, ${rate(rowsPerBatch, upsertMs)}`,
  );
  console.log(
    `loader     whole runs incl. listing, manifests, open/close: ${s2(insert.durationMs)}, ${s2(upsert.durationMs)}; a no-op re-run: ${s2(noop.durationMs)}`,
  );
  console.log(
    `check: ${n} fact rows in the warehouse, ${latest} of them at batch 2's version (expected ${ROWS} and ${ROWS}); both batches hold ${first!.manifest.tables.fct_order_items.rows} and ${second!.manifest.tables.fct_order_items.rows} fact rows`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

function s(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(2)} s`;
}
function s2(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
