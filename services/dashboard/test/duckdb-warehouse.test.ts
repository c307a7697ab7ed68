import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardError, openDuckdbWarehouse } from '../src/index.js';
import { writeDuckdbGold } from './support/gold-fixture.js';
import { makeTempHome, type TempHome } from './support/test-bed.js';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-warehouse.ts', import.meta.url));

describe('DuckDB warehouse', () => {
  let home: TempHome;

  beforeAll(async () => {
    home = await makeTempHome();
    await writeDuckdbGold(home.warehouse);
  });
  afterAll(() => home?.remove());

  it('answers "locked" (retryable) while another process writes the file, and reads after', async () => {
    const warehouse = openDuckdbWarehouse({ path: home.warehouse, queryTimeoutMs: 10_000 });
    const holder = fork(HOLDER, [home.warehouse], { execArgv: ['--import', 'tsx'] });
    try {
      await once(holder, 'message');
      const error = await warehouse.query('SELECT 1 AS one').catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DashboardError);
      expect(error).toMatchObject({ code: 'LS_DASHBOARD_WAREHOUSE_LOCKED', retryable: true });
      expect((error as Error).message).toContain('being written by another process');
    } finally {
      holder.send('exit');
      await once(holder, 'exit');
    }
    expect(await warehouse.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('shares one open file among concurrent queries and closes it when they are done', async () => {
    const warehouse = openDuckdbWarehouse({ path: home.warehouse, queryTimeoutMs: 10_000 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => warehouse.query(`SELECT ${i} AS i`)),
    );
    expect(answers.map(([row]) => row?.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Closed: a writer gets the file's lock right away.
    await writeDuckdbGold(home.warehouse);
  });

  it('interrupts a query that runs past the timeout', async () => {
    const warehouse = openDuckdbWarehouse({ path: home.warehouse, queryTimeoutMs: 200 });
    const error = await warehouse
      .query('SELECT count(*) AS n FROM range(100000000000) t(a) WHERE a % 7 = 3')
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'LS_DASHBOARD_QUERY_TIMEOUT', retryable: true });
  });

  it('reports a bad query as a failed query, not as an unavailable warehouse', async () => {
    const warehouse = openDuckdbWarehouse({ path: home.warehouse, queryTimeoutMs: 10_000 });
    const error = await warehouse
      .query('SELECT nope FROM gold.overall_performance')
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'LS_DASHBOARD_QUERY_FAILED', retryable: false });
  });
});
