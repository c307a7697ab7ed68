import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigqueryGold, writeDuckdbGold } from './support/gold-fixture.js';
import {
  buildDashboard,
  makeTempHome,
  type StartedDashboard,
  type TempHome,
} from './support/test-bed.js';

const ENDPOINTS = [
  '/api/summary',
  '/api/gold/performance',
  '/api/gold/retention',
  '/api/gold/shipping-delays',
  '/api/gold/commitments',
  '/api/gold/flagged-customers',
];

/** Numbers to 12 significant digits: the engines may add doubles in another order. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(rounded);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  }
  return value;
}

describe('the same queries on BigQuery (emulator) and DuckDB', () => {
  const datasetId = `gold_${randomUUID().replaceAll('-', '')}`;
  const client = new BigQuery({
    apiEndpoint: process.env.BIGQUERY_EMULATOR_HOST,
    projectId: process.env.BIGQUERY_PROJECT,
  });
  let home: TempHome;
  let duckdb: StartedDashboard;
  let bigquery: StartedDashboard;

  beforeAll(async () => {
    home = await makeTempHome();
    await Promise.all([writeDuckdbGold(home.warehouse), writeBigqueryGold(client, datasetId)]);
    duckdb = await buildDashboard(home);
    bigquery = await buildDashboard(home, {
      DASHBOARD_WAREHOUSE: 'bigquery',
      BIGQUERY_PROJECT: process.env.BIGQUERY_PROJECT,
      BIGQUERY_EMULATOR_HOST: process.env.BIGQUERY_EMULATOR_HOST,
      DASHBOARD_BIGQUERY_DATASET: datasetId,
    });
  });
  afterAll(async () => {
    await duckdb?.close();
    await bigquery?.close();
    await client
      .dataset(datasetId)
      .delete({ force: true })
      .catch(() => {});
    await home?.remove();
  });

  it.each(ENDPOINTS)('%s gives the same answer', async (url) => {
    const [fromDuckdb, fromBigquery] = await Promise.all([
      duckdb.app.inject({ method: 'GET', url }),
      bigquery.app.inject({ method: 'GET', url }),
    ]);
    expect(fromBigquery.statusCode, fromBigquery.body).toBe(200);
    expect(fromDuckdb.statusCode).toBe(200);
    const strip = (body: { lines?: string[] }) => ({ ...body, lines: body.lines?.slice(1) });
    expect(rounded(strip(fromBigquery.json()))).toEqual(rounded(strip(fromDuckdb.json())));
  });

  it('answers 503 "cannot be reached" when BigQuery does not answer', async () => {
    // The client library prefers this variable to its apiEndpoint option.
    const emulator = process.env.BIGQUERY_EMULATOR_HOST;
    delete process.env.BIGQUERY_EMULATOR_HOST;
    const down = await buildDashboard(home, {
      DASHBOARD_WAREHOUSE: 'bigquery',
      BIGQUERY_PROJECT: 'lakestream-nowhere',
      BIGQUERY_EMULATOR_HOST: 'http://127.0.0.1:1',
    });
    try {
      const response = await down.app.inject({ method: 'GET', url: '/api/summary' });
      expect(response.statusCode).toBe(503);
      expect(response.json().error).toMatchObject({
        code: 'LS_DASHBOARD_WAREHOUSE_UNAVAILABLE',
        message: expect.stringContaining('BigQuery (lakestream-nowhere.gold) cannot be reached'),
        retryable: true,
      });
    } finally {
      process.env.BIGQUERY_EMULATOR_HOST = emulator;
      await down.close();
    }
  });

  it('answers 503 "run dbt build" when the dataset has no gold tables', async () => {
    const empty = await buildDashboard(home, {
      DASHBOARD_WAREHOUSE: 'bigquery',
      BIGQUERY_PROJECT: process.env.BIGQUERY_PROJECT,
      BIGQUERY_EMULATOR_HOST: process.env.BIGQUERY_EMULATOR_HOST,
      DASHBOARD_BIGQUERY_DATASET: `${datasetId}_missing`,
    });
    try {
      const response = await empty.app.inject({ method: 'GET', url: '/api/gold/performance' });
      expect(response.statusCode, response.body).toBe(503);
      expect(response.json().error).toMatchObject({
        code: 'LS_DASHBOARD_GOLD_MISSING',
        retryable: true,
      });
    } finally {
      await empty.close();
    }
  });
});
