/**
 * A load cut off mid-COPY (its PostgreSQL connection killed, as when the loader dies) leaves the
 * published version whole – table, labels, loads, Parquet – and no staging table; the lock dies
 * with the connection, so the next run loads the version, while a reader sees one version or the
 * other throughout.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eurostatBronzeKey } from '@lakestream/lake';
import { createLocalStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateAnswer } from '../src/jsonstat/generate.js';
import { type LoadDeps, loadVersion, type VersionToLoad } from '../src/load/load-version.js';
import { ensureSchema } from '../src/pg/schema.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';

const logger = createLogger({
  service: 'eurostat-test',
  level: 'fatal',
  destination: process.stderr,
});
let database: ScratchDatabase;
const dir = mkdtempSync(join(tmpdir(), 'eurostat-crash-'));
const lake = join(dir, 'lake');
const code = 'hlth_crash';
const CELLS = 60_000;
let pool: pg.Pool;
let deps: LoadDeps;

beforeAll(async () => {
  database = await createScratchDatabase('eurostat_crash');
  // Its pool ignores connections the server ends (the killed COPY, the forced drop).
  pool = database.pool(4);
  await ensureSchema(pool);
  deps = { pool, store: createLocalStore(lake), logger, maxRowChangeRatio: 0.5, tempDir: dir };
});

afterAll(async () => {
  await database?.drop();
});

/** A generated answer of CELLS cells with `updated` set to `updated`. */
async function answer(seed: number, updated: string, updateTime: string): Promise<VersionToLoad> {
  const file = join(dir, `answer-${seed}.json`);
  await generateAnswer(file, { cells: CELLS, seed, code });
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/"updated":"[^"]*"/, `"updated":"${updated}"`));
  return { code, updateTime, file, bronzeKey: eurostatBronzeKey(code, updateTime) };
}

const state = async () => {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n, round(sum(value)::numeric, 3)::text AS total FROM eurostat.observations_${code}`,
  );
  return `${rows[0].n}/${rows[0].total}`;
};
const silverVersions = () =>
  [
    ...new Set(
      readdirSync(join(lake, 'silver', 'eurostat', code), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.parquet'))
        .map((f) => f.replace(/^.*\/(v\d{8}T\d{6}Z)_\d+\.parquet$/, '$1')),
    ),
  ].sort();

it('a load killed mid-COPY keeps the published version; the re-run publishes the new one atomically', async () => {
  const v1 = await answer(1, '2024-05-01T11:00:00+0200', '2024-05-01T09:00:00Z');
  expect((await loadVersion(deps, v1)).status).toBe('loaded');
  const before = await state();
  const v2 = await answer(2, '2024-06-01T11:00:00+0200', '2024-06-01T09:00:00Z');

  // Kill the loader's connection as soon as its COPY runs.
  const load = loadVersion(deps, v2);
  let settled = false;
  load.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  let killed = false;
  while (!killed && !settled) {
    const { rows } = await pool.query(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = $1 AND query LIKE 'COPY eurostat.observations_load_%' AND state = 'active'`,
      [database.name],
    );
    killed = rows.length > 0;
    if (!killed) await new Promise((r) => setTimeout(r, 2));
  }
  expect(killed).toBe(true);
  await expect(load).rejects.toMatchObject({
    code: 'LS_EUROSTAT_DATABASE_FAILED',
    retryable: true,
  });

  expect(await state()).toBe(before);
  const loads = await pool.query('SELECT update_time FROM eurostat.loads WHERE code = $1', [code]);
  expect(loads.rows.map((r) => (r.update_time as Date).toISOString())).toEqual([
    '2024-05-01T09:00:00.000Z',
  ]);
  const staging = await pool.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'eurostat' AND table_name LIKE 'observations_load_%'`,
  );
  expect(staging.rows).toEqual([]);
  expect(silverVersions()).toEqual(['v20240501T090000Z']);

  // The re-run (the lock died with the connection), under a reader that must see v1 or v2 whole.
  const seen = new Set<string>();
  let reading = true;
  const reader = (async () => {
    while (reading) seen.add(await state());
  })();
  const rerun = await loadVersion(deps, v2);
  reading = false;
  await reader;
  expect(rerun.status).toBe('loaded');
  const after = await state();
  expect(after).not.toBe(before);
  for (const s of seen) expect([before, after]).toContain(s);
  expect(silverVersions()).toEqual(['v20240601T090000Z']);
});
