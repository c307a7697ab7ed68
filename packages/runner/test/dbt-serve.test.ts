// The resident dbt (dbt/scripts/dbt.sh serve) with the project's real dbt venv and a DuckDB file of
// its own: answers, errors, the warehouse released after every command, and a process that dies.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbtServe, startDbtServe } from '../src/dbt-serve.js';

const root = resolve(import.meta.dirname, '../../..');
let home: string;
let serve: DbtServe;

/** Opens the warehouse file from this process: fails while another process holds it. */
async function openFromHere(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll('select 42 as n')).getRowsJS();
    connection.closeSync();
    return Number(rows[0]![0]);
  } finally {
    instance.closeSync();
  }
}

/** This test's home, with the dbt venv the set-up made (not a new one). */
const serveEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  LAKESTREAM_HOME: home,
  LAKESTREAM_DBT_VENV:
    process.env.LAKESTREAM_DBT_VENV ??
    join(process.env.LAKESTREAM_HOME ?? join(root, '.lakestream'), 'venv'),
});

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakestream-dbt-serve-'));
  serve = await startDbtServe({
    root,
    env: serveEnv(),
    logFile: join(home, 'logs', 'dbt-serve.log'),
  });
}, 180_000);

afterAll(async () => {
  await serve?.close();
  await rm(home, { recursive: true, force: true });
});

describe('resident dbt', () => {
  const warehouse = () => join(home, 'warehouse.duckdb');

  it('runs a command and the query on what it left, then releases the warehouse', async () => {
    const answer = await serve.run(['run', '--select', 'no_model_has_this_name'], 'select 6 * 7');
    expect(answer).toMatchObject({ ok: true, rows: [[42]], error: null });
    expect(answer.seconds).toBeGreaterThan(0);
    expect(await openFromHere(warehouse())).toBe(42);
  }, 120_000);

  it('answers a failed command with its error and still releases the warehouse', async () => {
    const answer = await serve.run(['run', '--vars', '{not: [yaml'], 'select 1');
    expect(answer.ok).toBe(false);
    expect(answer.error).toBeTruthy();
    expect(answer.rows).toEqual([]);
    expect(await openFromHere(warehouse())).toBe(42);
    // The process goes on answering.
    expect((await serve.run(['run', '--select', 'no_model_has_this_name'])).ok).toBe(true);
  }, 120_000);

  it('waits for a warehouse another process holds instead of failing', async () => {
    const instance = await DuckDBInstance.create(warehouse());
    const answering = serve.run(['run', '--select', 'no_model_has_this_name'], 'select 1');
    await new Promise((r) => setTimeout(r, 1_500));
    instance.closeSync();
    expect(await answering).toMatchObject({ ok: true, rows: [[1]] });
  }, 120_000);

  it('fails the request under way and says so when the process dies', async () => {
    const other = await startDbtServe({
      root,
      env: serveEnv(),
      logFile: join(home, 'logs', 'dbt-serve-2.log'),
    });
    const pending = other.run(['run', '--select', 'no_model_has_this_name']);
    await other.close(0);
    await expect(pending).rejects.toThrow(/dbt serve ended/);
    await expect(other.ended).resolves.toMatch(/dbt serve ended/);
  }, 180_000);
});
