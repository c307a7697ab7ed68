import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_KPIS, writeDuckdbGold } from './support/gold-fixture.js';
import {
  buildDashboard,
  makeTempHome,
  type StartedDashboard,
  type TempHome,
} from './support/test-bed.js';

describe('gold API on a DuckDB warehouse', () => {
  let home: TempHome;
  let bed: StartedDashboard;

  beforeAll(async () => {
    home = await makeTempHome();
    await writeDuckdbGold(home.warehouse);
    bed = await buildDashboard(home);
  });
  afterAll(async () => {
    await bed?.close();
    await home?.remove();
  });

  const get = async (url: string) => {
    const response = await bed.app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json(), headers: response.headers };
  };

  it('monthly net sales and profit margin, oldest month first, decimals as numbers', async () => {
    const { status, body } = await get('/api/gold/performance');
    expect(status).toBe(200);
    expect(body.rows).toEqual([
      {
        month: '2017-11-01',
        order_count: 3,
        item_count: 5,
        net_sales: 1000,
        profit: 120,
        profit_margin: 0.12,
        avg_days_shipping_real: 3.4,
        avg_days_shipping_scheduled: 2.8,
        late_delivery_rate: 0.6,
      },
      {
        month: '2017-12-01',
        order_count: 4,
        item_count: 8,
        net_sales: 1500.5,
        profit: 150.05,
        profit_margin: 0.1,
        avg_days_shipping_real: 3,
        avg_days_shipping_scheduled: 2.5,
        late_delivery_rate: 0.5,
      },
      // Only cancelled items: no valid sales, so the margin is NULL (denominator 0).
      {
        month: '2018-01-01',
        order_count: 2,
        item_count: 2,
        net_sales: 0,
        profit: 0,
        profit_margin: null,
        avg_days_shipping_real: 4,
        avg_days_shipping_scheduled: 4,
        late_delivery_rate: 0,
      },
    ]);
  });

  it('the retention curve, with no rate in the first month', async () => {
    const { body } = await get('/api/gold/retention');
    expect(body.rows.map((r: { month: string }) => r.month)).toEqual([
      '2017-11-01',
      '2017-12-01',
      '2018-01-01',
    ]);
    expect(body.rows[0]).toEqual({
      month: '2017-11-01',
      active_customers: 3,
      new_customers: 3,
      returning_customers: 0,
      retained_customers: 0,
      retention_rate: null,
    });
    expect(body.rows[1].retention_rate).toBeCloseTo(2 / 3, 12);
    expect(body.rows[2]).toMatchObject({ returning_customers: 2, retention_rate: 0.25 });
  });

  it('shipping delay per mode and status', async () => {
    const { body } = await get('/api/gold/shipping-delays');
    expect(body.rows).toHaveLength(5);
    expect(body.rows[0]).toEqual({
      delivery_status: 'Late delivery',
      shipping_mode: 'First Class',
      item_count: 3,
      avg_delay_days: 1,
      late_rate: 1,
    });
    expect(body.rows.map((r: { shipping_mode: string }) => r.shipping_mode)).toEqual([
      'First Class',
      'Same Day',
      'Second Class',
      'Standard Class',
      'Standard Class',
    ]);
  });

  it('commitments summed by department over markets and categories, largest first', async () => {
    const { body } = await get('/api/gold/commitments');
    expect(body.rows).toHaveLength(3);
    expect(body.rows[0]).toMatchObject({
      department_name: 'Fan Shop',
      item_count: 7,
      net_sales: 1400,
      open_commitments: 200,
      fulfilled_sales: 1100,
    });
    // (0.5 × 4 + 1 × 3) fulfilled items ÷ 7 items
    expect(body.rows[0].fulfilment_rate).toBeCloseTo(5 / 7, 12);
    expect(body.rows[1]).toEqual({
      department_name: 'Apparel',
      item_count: 5,
      net_sales: 1000.5,
      open_commitments: 300.25,
      fulfilled_sales: 400,
      fulfilment_rate: 0.4,
    });
    expect(body.rows[2]).toMatchObject({ department_name: 'Golf', fulfilled_sales: 0 });
  });

  it('the ten most flagged customers: by suspected-fraud orders, then total spend', async () => {
    const { body } = await get('/api/gold/flagged-customers');
    expect(body.rows.map((r: { customer_id: string }) => r.customer_id)).toEqual([
      '102',
      '101',
      '103',
      '105',
      '106',
      '107',
      '108',
      '109',
      '110',
      '104',
    ]);
    expect(body.rows[0]).toEqual({
      customer_id: '102',
      order_count: 4,
      suspected_fraud_orders: 3,
      fraud_order_rate: 0.75,
      total_spend: 900,
      transfer_order_share: 0.75,
      is_flagged: true,
    });
  });

  it('the KPI summary, as figures and as the lines the CLI prints', async () => {
    const { status, body } = await get('/api/summary');
    expect(status).toBe(200);
    const { profit_margin, late_delivery_rate, ...exact } = FIXTURE_KPIS;
    expect(body.kpis).toMatchObject(exact);
    expect(body.kpis.profit_margin).toBeCloseTo(profit_margin, 12);
    expect(body.kpis.late_delivery_rate).toBeCloseTo(late_delivery_rate, 12);
    expect(body.lines).toEqual([
      `Gold KPIs (duckdb ${home.warehouse})`,
      '  Net sales           2,500.50 (valid sales)',
      '  Profit margin       10.8 %',
      '  Order items         15 in 9 orders',
      '  Customers           12',
      '  Latest month        2018-01',
      '  Flagged customers   11 (91.7 % of customers)',
      '  Late-delivery rate  46.7 % of items',
    ]);
  });

  it('says where the data comes from', async () => {
    const { body } = await get('/api/meta');
    expect(body).toMatchObject({
      warehouse: { kind: 'duckdb', location: home.warehouse },
      chart_library: { name: 'chart.js', version: '4.6.1' },
    });
  });

  it('keeps no handle on the warehouse between requests: a writer can open it at once', async () => {
    await get('/api/gold/performance');
    // Opening read-write fails with a lock error while any other process or handle holds it.
    await writeDuckdbGold(home.warehouse);
    expect((await get('/api/summary')).status).toBe(200);
  });
});

describe('gold API when the warehouse cannot be read', () => {
  let home: TempHome;
  let bed: StartedDashboard;

  beforeAll(async () => {
    home = await makeTempHome();
    bed = await buildDashboard(home);
  });
  afterAll(async () => {
    await bed?.close();
    await home?.remove();
  });

  const endpoints = [
    '/api/summary',
    '/api/gold/performance',
    '/api/gold/retention',
    '/api/gold/shipping-delays',
    '/api/gold/commitments',
    '/api/gold/flagged-customers',
  ];

  it('answers 503 with a clear message while the warehouse file does not exist', async () => {
    for (const url of endpoints) {
      const response = await bed.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(503);
      expect(response.json(), url).toEqual({
        error: {
          code: 'LS_DASHBOARD_WAREHOUSE_MISSING',
          message: `the warehouse ${home.warehouse} does not exist yet: load silver into it (warehouse loader) and run \`dbt build\``,
          retryable: true,
        },
      });
    }
  });

  it('answers 503 "run dbt build" while the gold tables are missing, then serves them', async () => {
    await writeDuckdbGold(home.warehouse, {});
    const missing = await bed.app.inject({ method: 'GET', url: '/api/gold/retention' });
    expect(missing.statusCode).toBe(503);
    expect(missing.json().error).toMatchObject({ code: 'LS_DASHBOARD_GOLD_MISSING' });
    expect(missing.json().error.message).toContain('gold.customer_retention');
    expect(missing.json().error.message).toContain('run `dbt build`');

    await writeDuckdbGold(home.warehouse);
    const built = await bed.app.inject({ method: 'GET', url: '/api/gold/retention' });
    expect(built.statusCode).toBe(200);
    expect(built.json().rows).toHaveLength(3);
  });

  it('answers 404 in JSON for an unknown endpoint', async () => {
    const response = await bed.app.inject({ method: 'GET', url: '/api/gold/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('LS_DASHBOARD_NOT_FOUND');
  });
});
