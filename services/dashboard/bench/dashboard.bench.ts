// Times each API endpoint of the dashboard on a gold warehouse of DataCo's size (the file is
// opened read-only, queried and closed per request, answers not cached) beside the same SQL on a
// DuckDB connection held open: the price of never holding the file between requests.
//
//   pnpm --filter @lakestream/dashboard bench
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createLogger, createMetrics } from '@lakestream/observability';
import { createDashboard, duckdbDialect, goldSql, loadDashboardConfig } from '../src/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

/** Gold tables shaped like DataCo's: 37 months, 20,652 customers, 16 shipping pairs. */
const BUILD = `
CREATE SCHEMA gold;
CREATE TABLE gold.overall_performance AS
SELECT (DATE '2015-01-01' + to_months(i))::DATE AS month, 1700 + i AS order_count, 4900 + i AS item_count,
       (1000000 + i * 1000)::DECIMAL(18,2) AS net_sales, 108000.0 + i AS profit, 0.108 AS profit_margin,
       3.5 AS avg_days_shipping_real, 2.9 AS avg_days_shipping_scheduled, 0.55 AS late_delivery_rate
FROM range(37) t(i);
CREATE TABLE gold.customer_retention AS
SELECT (DATE '2015-01-01' + to_months(i))::DATE AS month, 1500 + i AS active_customers, 400 AS new_customers,
       1100 + i AS returning_customers, 900 AS retained_customers, CASE WHEN i = 0 THEN NULL ELSE 0.6 END AS retention_rate
FROM range(37) t(i);
CREATE TABLE gold.shipping_delays AS
SELECT s AS delivery_status, m AS shipping_mode, 10000 AS item_count, 0.5 AS avg_delay_days, 0.5 AS late_rate
FROM (VALUES ('Late delivery'), ('Advance shipping'), ('Shipping on time'), ('Shipping canceled')) a(s),
     (VALUES ('Standard Class'), ('First Class'), ('Second Class'), ('Same Day')) b(m);
CREATE TABLE gold.financial_commitments AS
SELECT 'Department ' || (i % 11) AS department_name, 'Market ' || (i % 5) AS market, 'Category ' || i AS category_name,
       300 + i AS item_count, (50000 + i)::DECIMAL(18,2) AS net_sales, (9000 + i)::DECIMAL(18,2) AS open_commitments,
       (30000 + i)::DECIMAL(18,2) AS fulfilled_sales, 0.6 AS fulfilment_rate
FROM range(250) t(i);
CREATE TABLE gold.fraud_detection AS
SELECT i AS customer_id, 1 + i % 9 AS order_count, (i % 13 = 0)::INT * (1 + i % 4) AS suspected_fraud_orders,
       0.1 AS fraud_order_rate, (i * 7 % 10000)::DECIMAL(18,2) AS total_spend, 0.2 AS transfer_order_share,
       i % 13 = 0 AS is_flagged
FROM range(1, 20653) t(i);
`;

const ENDPOINTS: [string, keyof ReturnType<typeof goldSql>][] = [
  ['/api/summary', 'summary'],
  ['/api/gold/performance', 'performance'],
  ['/api/gold/retention', 'retention'],
  ['/api/gold/shipping-delays', 'shippingDelays'],
  ['/api/gold/commitments', 'commitments'],
  ['/api/gold/flagged-customers', 'flaggedCustomers'],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await fn();
    runs.push(performance.now() - started);
  }
  return median(runs);
}

const dir = await mkdtemp(join(tmpdir(), 'lakestream-dashboard-bench-'));
try {
  const path = join(dir, 'warehouse.duckdb');
  const writer = await DuckDBInstance.create(path);
  const connection = await writer.connect();
  await connection.run(BUILD);
  connection.closeSync();
  writer.closeSync();

  const config = loadDashboardConfig({
    LAKESTREAM_HOME: dir,
    DASHBOARD_CACHE_TTL: '0ms',
    KAFKA_BROKERS: '127.0.0.1:1',
  });
  const dashboard = await createDashboard({
    config,
    logger: createLogger({ service: 'bench', level: 'error' }),
    metrics: createMetrics({ service: 'bench', defaultMetrics: false }),
  });

  // Through the API first: the reference below holds the file open, which the dashboard must not.
  const apiMs = new Map<string, number>();
  for (const [url] of ENDPOINTS) {
    apiMs.set(
      url,
      await time(async () => {
        const response = await dashboard.server.inject({ method: 'GET', url });
        if (response.statusCode !== 200) throw new Error(`${url}: ${response.body}`);
      }),
    );
  }
  // What the page does: every gold request at once, sharing one open of the file.
  const pageMs = await time(() =>
    Promise.all(ENDPOINTS.map(([url]) => dashboard.server.inject({ method: 'GET', url }))),
  );
  await dashboard.server.close();
  await dashboard.close();

  const reference = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const held = await reference.connect();
  const sql = goldSql(duckdbDialect);
  const heldMs = new Map<string, number>();
  for (const [url, query] of ENDPOINTS) {
    heldMs.set(url, await time(() => held.runAndReadAll(sql[query])));
  }
  const allHeldMs = await time(async () => {
    for (const [, query] of ENDPOINTS) await held.runAndReadAll(sql[query]);
  });
  held.closeSync();
  reference.closeSync();

  const line = (name: string, api: number, direct: number) =>
    `${name.padEnd(34)} ${api.toFixed(2).padStart(8)} ${direct.toFixed(2).padStart(8)} ${(direct / api).toFixed(2).padStart(6)}`;
  console.log(
    `dashboard API vs the same SQL on a held-open DuckDB connection (median of ${ROUNDS})`,
  );
  console.log(
    `${'endpoint'.padEnd(34)} ${'API ms'.padStart(8)} ${'held ms'.padStart(8)} ${'ratio'.padStart(6)}`,
  );
  for (const [url] of ENDPOINTS) console.log(line(url, apiMs.get(url)!, heldMs.get(url)!));
  console.log(line('page: all six at once', pageMs, allHeldMs));
} finally {
  await rm(dir, { recursive: true, force: true });
}
