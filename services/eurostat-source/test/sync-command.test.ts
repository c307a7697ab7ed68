/**
 * `eurostat-source sync` as an operator runs it (a child process), against the real PostgreSQL,
 * a lake folder and the fixture server: a line per dataset, a failed dataset named on stderr with
 * exit status 1 while the others load; a loaded version is not loaded again (the worker test
 * covers a forced reload).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createKafka } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from '../src/fixtures/server.js';
import { deleteTopics } from './support/delete-topics.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';
import { tempDir } from './support/temp-dir.js';

const ROOT = join(import.meta.dirname, '..');
const lake = tempDir('eurostat-lake-');
let database: ScratchDatabase;
let databaseUrl: string;
let server: FixtureServer;
// Each landed answer is announced: on a topic of the test's own, not the shared one.
const manifestTopic = `test.eurostat.sync-cmd.${randomUUID().slice(0, 8)}.files`;

beforeAll(async () => {
  database = await createScratchDatabase('eurostat_sync_cmd');
  databaseUrl = database.url;
  server = await startFixtureServer({ dataDir: join(ROOT, 'fixtures', 'data'), cellLimit: 100 });
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
  const logger = createLogger({ service: 'eurostat-test', level: 'error' });
  await deleteTopics(
    createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
      clientId: 'eurostat-test',
      logger,
    }),
    [manifestTopic],
  );
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
        EUROSTAT_MANIFEST_TOPIC: manifestTopic,
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
