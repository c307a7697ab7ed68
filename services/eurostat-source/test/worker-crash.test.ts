/**
 * kill -9 of the sync worker process (`eurostat-source worker`, a child process) at the dangerous
 * moments, placed by fault points: with the new version's raw answer in bronze and nothing loaded;
 * in the middle of the load, with the new Parquet in silver and the new table swapped in but not
 * committed; and with the version loaded but its event's offset not committed. The previous version stays
 * published until the new one is; the restarted worker completes the event, and the version is
 * loaded once. Real Kafka, PostgreSQL, a lake folder and the fixture server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKafka,
  ensureTopics,
  TOPICS,
  topicEnds,
  topicSpec,
  waitForCommitted,
} from '@lakestream/kafka';
import {
  eurostatBronzeKey,
  eurostatSilverPrefix,
  eurostatUpdateKey,
  eurostatUpdateTime,
} from '@lakestream/lake';
import { createLocalStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from '../src/fixtures/server.js';
import { loadVersion } from '../src/load/load-version.js';
import { versionFilePrefix } from '../src/load/silver-parquet.js';
import { ensureSchema } from '../src/pg/schema.js';
import { syncDataset } from '../src/sync/sync-version.js';
import { deleteTopics } from './support/delete-topics.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';

const ROOT = join(import.meta.dirname, '..');
const logger = createLogger({
  service: 'eurostat-test',
  level: 'error',
  destination: process.stderr,
});
const FIXTURES = join(ROOT, 'fixtures', 'data');
const CODE = 'hlth_cd_aro';
const NEWER = '2026-06-02T11:00:00+0200';
const suffix = randomUUID().slice(0, 8);
const topic = `test.eurostat.updates.${suffix}`;
// The worker announces each landed answer: on a topic of the test's own, not the shared one.
const manifestTopic = `test.eurostat.bronze-files.${suffix}`;
const groupId = `test-eurostat-sync-${suffix}`;
const lake = mkdtempSync(join(tmpdir(), 'eurostat-lake-'));
const store = createLocalStore(lake);
const kafka = createKafka({
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  clientId: 'eurostat-test',
  logger,
});
const original = JSON.parse(readFileSync(join(FIXTURES, `${CODE}.json`), 'utf8')).updated;
let database: ScratchDatabase;
let databaseUrl: string;
let pool: pg.Pool;
let server: FixtureServer;
let child: ChildProcess | undefined;

beforeAll(async () => {
  database = await createScratchDatabase('eurostat_crash');
  databaseUrl = database.url;
  pool = database.pool(3);
  await ensureSchema(pool);
  server = await startFixtureServer({ dataDir: FIXTURES });
  await ensureTopics(kafka, [
    topicSpec(TOPICS.eurostatUpdates, topic),
    topicSpec(TOPICS.bronzeFiles, manifestTopic),
  ]);
}, 60_000);

afterEach(() => {
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
  await deleteTopics(kafka, [topic, manifestTopic]);
  rmSync(lake, { recursive: true, force: true });
});

/** Starts `eurostat-source worker` with the test's database, topic, group and lake. */
function startWorker(faultPoints = ''): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=lakestream-source', '--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'worker'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        EUROSTAT_API_BASE: server.apiBase,
        EUROSTAT_STORAGE_URL: lake,
        EUROSTAT_UPDATES_TOPIC: topic,
        EUROSTAT_MANIFEST_TOPIC: manifestTopic,
        EUROSTAT_SYNC_GROUP: groupId,
        EUROSTAT_SYNC_RETRY_DELAY: '200ms',
        // A killed member holds its partitions until its session times out: the shortest Kafka allows.
        EUROSTAT_SYNC_SESSION_TIMEOUT: '6s',
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
        LAKESTREAM_FAULT_POINTS: faultPoints,
      },
    },
  );
}

async function exited(proc: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return { code: proc.exitCode, signal: proc.signalCode };
  }
  const [code, signal] = (await once(proc, 'exit')) as [number | null, string | null];
  return { code, signal };
}

async function loads(): Promise<{ update_time: string; loaded_at: string }[]> {
  const { rows } = await pool.query(
    `SELECT to_char(update_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS update_time,
            loaded_at::text FROM eurostat.loads WHERE code = $1 ORDER BY update_time`,
    [CODE],
  );
  return rows;
}

const observations = async () =>
  (await pool.query(`SELECT count(*)::int AS n FROM eurostat.observations_${CODE}`)).rows[0].n;

/** What a reader of the published version sees: its rows (hashed), its loads row, its Parquet. */
async function published(): Promise<{ rows: string; loads: unknown[]; parquet: string[] }> {
  const { rows } = await pool.query(
    `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM eurostat.observations_${CODE} t`,
  );
  const current = await loads();
  const newest = current.at(-1)?.update_time ?? '';
  const prefix = versionFilePrefix(newest);
  const parquet: string[] = [];
  for await (const info of store.list(eurostatSilverPrefix(CODE))) {
    if (!info.key.slice(info.key.lastIndexOf('/') + 1).startsWith(prefix)) continue;
    const digest = createHash('sha256')
      .update(await store.get(info.key))
      .digest('hex');
    parquet.push(`${info.key} ${digest}`);
  }
  return { rows: rows[0].h, loads: current, parquet: parquet.sort() };
}

describe('kill -9 of the worker', () => {
  it('keeps the previous version until the new one is loaded, and the restarted worker loads it once', async () => {
    // The previous version, published.
    await syncDataset(
      {
        config: {
          apiBase: server.apiBase,
          httpTimeoutMs: 5_000,
          maxAttempts: 2,
          retryBaseMs: 5,
          asyncTimeoutMs: 5_000,
          asyncPollMs: 5,
        },
        pool,
        store,
        logger,
        load: loadVersion,
        maxRowChangeRatio: 0.5,
      },
      { code: CODE, force: false },
    );
    const rowsBefore = await observations();
    expect(await loads()).toHaveLength(1);
    const before = await published();
    expect(before.parquet.length).toBeGreaterThan(0);

    // A new version is announced.
    server.setUpdated(CODE, NEWER);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: eurostatUpdateKey(CODE),
          value: JSON.stringify({
            version: 1,
            code: CODE,
            update_time: eurostatUpdateTime(NEWER),
            changed: 'data',
            source: 'feed',
            force: false,
            detected_at: '2026-06-02T09:05:00Z',
          }),
        },
      ],
    });
    await producer.disconnect();

    // Killed with the raw answer in bronze and nothing loaded: the previous version stays.
    child = startWorker('eurostat-source.sync-before-load');
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await loads()).map((l) => l.update_time)).toEqual([eurostatUpdateTime(original)]);
    expect(await observations()).toBe(rowsBefore);
    expect((await store.get(eurostatBronzeKey(CODE, NEWER))).length).toBeGreaterThan(0);

    // Killed inside the load's transaction, after the COPY and the swap, before COMMIT: the
    // transaction dies with the connection, and a reader sees the previous version whole.
    child = startWorker('eurostat-source.load-before-commit');
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await published()).toEqual(before);
    const silverKeys: string[] = [];
    for await (const info of store.list(eurostatSilverPrefix(CODE))) silverKeys.push(info.key);
    // The killed load had written the new version's Parquet: unpublished, beside the old.
    const newer = versionFilePrefix(eurostatUpdateTime(NEWER));
    expect(silverKeys.some((k) => k.slice(k.lastIndexOf('/') + 1).startsWith(newer))).toBe(true);

    // The restarted worker completes the load; killed with the event's offset not committed.
    child = startWorker('eurostat-source.sync-after-load');
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    const loaded = await loads();
    expect(loaded.map((l) => l.update_time)).toEqual([
      eurostatUpdateTime(original),
      eurostatUpdateTime(NEWER),
    ]);
    // Its Parquet replaced the previous version's (the killed load's files included).
    const after = await published();
    const silver: string[] = [];
    for await (const info of store.list(eurostatSilverPrefix(CODE))) silver.push(info.key);
    expect(after.parquet.length).toBeGreaterThan(0);
    expect(silver.sort()).toEqual(after.parquet.map((p) => p.split(' ')[0]));

    // The restarted worker settles the event again without loading it again, commits, and stops on SIGTERM.
    child = startWorker();
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      const behind = await waitForCommitted(kafkaAdmin, {
        groupId,
        topic,
        targets: await topicEnds(kafkaAdmin, topic),
        timeoutMs: 30_000,
        pollMs: 200,
      });
      expect(behind).toEqual([]);
    } finally {
      await kafkaAdmin.disconnect();
    }
    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(await loads()).toEqual(loaded);
  }, 90_000);
});
