/**
 * `eurostat-source sync` as an operator runs it (a child process), against the real PostgreSQL,
 * a lake folder and the fixture server: a line per dataset, a failed dataset named on stderr with
 * exit status 1 while the others load; a loaded version is not loaded again (the worker test
 * covers a forced reload).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from '../src/fixtures/server.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';
import { tempDir } from './support/temp-dir.js';

const ROOT = join(import.meta.dirname, '..');
const lake = tempDir('eurostat-lake-');
let database: ScratchDatabase;
let databaseUrl: string;
let server: FixtureServer;

beforeAll(async () => {
  database = await createScratchDatabase('eurostat_sync_cmd');
  databaseUrl = database.url;
  server = await startFixtureServer({ dataDir: join(ROOT, 'fixtures', 'data'), cellLimit: 100 });
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function sync(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=lakestream-source',
      '--import',
      'tsx',
      join(ROOT, 'src', 'main.ts'),
      'sync',
      ...argv,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        EUROSTAT_API_BASE: server.apiBase,
        EUROSTAT_STORAGE_URL: lake,
        EUROSTAT_RETRY_BASE: '10ms',
        LOG_LEVEL: 'fatal',
      },
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  child.stderr.on('data', (b) => {
    err += b;
  });
  const [status] = (await once(child, 'exit')) as [number];
  return { status, out, err };
}

it('syncs the datasets named, reports one it cannot, and does not load a loaded version again', async () => {
  const first = await sync('hlth_cd_asdr2', 'no_such_dataset');
  expect(first.status).toBe(1);
  expect(first.out).toMatch(
    /^hlth_cd_asdr2 2026-04-22T21:00:00Z: loaded, 345 rows; downloaded \d+ bytes in 5 parts .* → bronze\/eurostat\/hlth_cd_asdr2\/20260422T210000Z\.json\.gz$/m,
  );
  expect(first.err).toContain("no_such_dataset: dataset 'no_such_dataset' is unknown to Eurostat");

  const again = await sync('hlth_cd_asdr2');
  expect(again).toMatchObject({ status: 0 });
  expect(again.out).toContain(
    'hlth_cd_asdr2 2026-04-22T21:00:00Z: loaded already (--force reloads it)',
  );
}, 60_000);
