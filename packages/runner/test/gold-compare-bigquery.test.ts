// The gold comparison's two readers on the same values: a table in a private BigQuery emulator
// (read through the REST client) and the same table in a DuckDB file must give the same canonical
// text, column kinds included, or the comparison would report differences that are not there.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type PrivateBigQueryEmulator, startPrivateBigQueryEmulator } from '@lakestream/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BigQueryEndpoint, bigqueryQuery } from '../src/bigquery-rest.js';
import { readBigQueryTables } from '../src/gold-compare-bigquery.js';
import { readDuckdbTables } from '../src/gold-compare-duckdb.js';
import { compareTable } from '../src/gold-compare-rows.js';

/** One column of each kind the comparison has a rule for, in both dialects. */
const COLUMNS = [
  ['id', 'INT64', 'BIGINT'],
  ['amount', 'NUMERIC', 'DECIMAL(18,4)'],
  ['ratio', 'FLOAT64', 'DOUBLE'],
  ['day', 'DATE', 'DATE'],
  ['placed_at', 'TIMESTAMP', 'TIMESTAMPTZ'],
  ['paid', 'BOOL', 'BOOLEAN'],
  ['market', 'STRING', 'VARCHAR'],
] as const;
const VALUES = [
  "(1, 12.5, 0.1, date '2017-01-31', timestamp '2017-01-31 23:59:59.123456+00', true, 'Europe')",
  "(2, 0.0001, 1e-7, date '2018-12-01', timestamp '2018-12-01 00:00:00+00', false, 'LATAM')",
  '(3, null, null, null, null, null, null)',
];

let dir: string;
let emulator: PrivateBigQueryEmulator;
let endpoint: BigQueryEndpoint;
const warehouse = () => join(dir, 'warehouse.duckdb');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakestream-gold-compare-'));
  emulator = await startPrivateBigQueryEmulator({ dir: join(dir, 'bigquery') });
  endpoint = {
    project: emulator.env.BIGQUERY_PROJECT!,
    location: 'US',
    emulatorHost: emulator.host,
  };
  const created = await fetch(
    `${emulator.host}/bigquery/v2/projects/${endpoint.project}/datasets`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        datasetReference: { projectId: endpoint.project, datasetId: 'gold' },
      }),
    },
  );
  expect(created.ok).toBe(true);
  const table = `\`${endpoint.project}.gold.kinds\``;
  await bigqueryQuery(
    endpoint,
    `create table ${table} (${COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})`,
  );
  await bigqueryQuery(endpoint, `insert into ${table} values ${VALUES.join(', ')}`);

  const instance = await DuckDBInstance.create(warehouse());
  const connection = await instance.connect();
  await connection.run("set timezone = 'UTC'");
  await connection.run('create schema gold');
  await connection.run(
    `create table gold.kinds (${COLUMNS.map(([name, , type]) => `${name} ${type}`).join(', ')})`,
  );
  await connection.run(`insert into gold.kinds values ${VALUES.join(', ')}`);
  connection.closeSync();
  instance.closeSync();
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('gold comparison readers', () => {
  it('read the same values as the same canonical text from BigQuery and DuckDB', async () => {
    const bigquery = (await readBigQueryTables(endpoint, 'gold', ['kinds'])).get('kinds')!;
    const duckdb = (await readDuckdbTables(warehouse(), 'gold', ['kinds'])).get('kinds')!;
    expect(bigquery.columns).toEqual([
      { name: 'id', kind: 'int' },
      { name: 'amount', kind: 'decimal' },
      { name: 'ratio', kind: 'float' },
      { name: 'day', kind: 'date' },
      { name: 'placed_at', kind: 'timestamp' },
      { name: 'paid', kind: 'bool' },
      { name: 'market', kind: 'string' },
    ]);
    expect(duckdb.columns).toEqual(bigquery.columns);
    const byId = (rows: typeof bigquery.rows) =>
      [...rows].sort((a, b) => Number(a.id) - Number(b.id));
    expect(byId(bigquery.rows)).toEqual(byId(duckdb.rows));
    expect(byId(bigquery.rows)[0]).toEqual({
      id: '1',
      amount: '12.5',
      ratio: '0.1',
      day: '2017-01-31',
      placed_at: '2017-01-31T23:59:59.123456Z',
      paid: 'true',
      market: 'Europe',
    });
    expect(compareTable('kinds', ['id'], duckdb, bigquery)).toMatchObject({
      equal: true,
      differenceCount: 0,
    });
  });

  it('fails a missing table with the REST client code and the table in the message', async () => {
    await expect(readBigQueryTables(endpoint, 'gold', ['no_such_table'])).rejects.toMatchObject({
      code: 'LS_RUNNER_BIGQUERY_FAILED',
      message: expect.stringContaining('no_such_table'),
    });
  });
});
