/**
 * The sync worker against the real Kafka and PostgreSQL of the local stack, a lake folder and the
 * fixture server (in process): an update event → its version downloaded, landed in bronze and
 * loaded; the same event twice → one load; a new version (a new `updated`) replaces the old; a
 * download cut short or an answer that is no JSON-stat → a clear error, the previous version as it
 * was. Each landed version is announced on the bronze manifest topic. Each test file has its own
 * database, topics and group.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createKafka, ensureTopics, readTopicToEnd, TOPICS, topicSpec } from '@lakestream/kafka';
import {
  bronzeFileManifestKey,
  type EurostatUpdateEvent,
  eurostatBronzeKey,
  eurostatUpdateKey,
  eurostatUpdateTime,
  parseBronzeAnnouncement,
} from '@lakestream/lake';
import { createLocalStore } from '@lakestream/object-store';
import { createLogger, createMetrics } from '@lakestream/observability';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from '../src/fixtures/server.js';
import { loadVersion } from '../src/load/load-version.js';
import { createEurostatMetrics } from '../src/metrics.js';
import { ensureSchema } from '../src/pg/schema.js';
import { type SyncDeps, type SyncOutcome, syncDataset } from '../src/sync/sync-version.js';
import { createSyncWorker, type SyncWorker } from '../src/sync/worker.js';
import { deleteTopics } from './support/delete-topics.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';
import { tempDir } from './support/temp-dir.js';

const logger = createLogger({
  service: 'eurostat-test',
  level: 'error',
  destination: process.stderr,
});
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'data');
const CODE = 'hlth_rs_bds';
const suffix = randomUUID().slice(0, 8);
const topic = `test.eurostat.updates.${suffix}`;
const manifestTopic = `test.eurostat.bronze-files.${suffix}`;
const lake = tempDir('eurostat-lake-');
const store = createLocalStore(lake);
const kafka = createKafka({
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  clientId: 'eurostat-test',
  logger,
});
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const originalUpdated = JSON.parse(readFileSync(join(FIXTURES, `${CODE}.json`), 'utf8')).updated;
let database: ScratchDatabase;
let pool: pg.Pool;
let server: FixtureServer;
let worker: SyncWorker;
const metrics = createEurostatMetrics(
  createMetrics({ service: 'eurostat-test', defaultMetrics: false }),
);
const settled: { event: EurostatUpdateEvent; outcome: SyncOutcome | Error }[] = [];

const syncDeps = (apiBase: string): Omit<SyncDeps, 'signal' | 'logger' | 'metrics'> => ({
  config: {
    apiBase,
    httpTimeoutMs: 5_000,
    maxAttempts: 2,
    retryBaseMs: 5,
    asyncTimeoutMs: 5_000,
    asyncPollMs: 5,
  },
  pool,
  store,
  load: loadVersion,
  announce: { producer, topic: manifestTopic, writer: 'eurostat-source@test' },
  maxRowChangeRatio: 0.5,
});

beforeAll(async () => {
  database = await createScratchDatabase('eurostat_worker');
  pool = database.pool(4);
  await ensureSchema(pool);
  server = await startFixtureServer({ dataDir: FIXTURES });
  await producer.connect();
  await ensureTopics(kafka, [
    topicSpec(TOPICS.eurostatUpdates, topic),
    topicSpec(TOPICS.bronzeFiles, manifestTopic),
  ]);
  worker = createSyncWorker({
    kafka,
    topic,
    groupId: `test-eurostat-sync-${suffix}`,
    sessionTimeoutMs: 10_000,
    retryDelayMs: 100,
    sync: syncDeps(server.apiBase),
    logger,
    metrics,
    onSettled: (event, outcome) => settled.push({ event, outcome }),
  });
  await worker.start();
}, 60_000);

afterAll(async () => {
  worker?.stopIntake();
  await worker?.flush();
  await worker?.close();
  await producer.disconnect();
  await server?.close();
  await database?.drop();
  await deleteTopics(kafka, [topic, manifestTopic]);
});

function event(updated: string, force = false): EurostatUpdateEvent {
  return {
    version: 1,
    code: CODE,
    update_time: eurostatUpdateTime(updated),
    changed: 'data',
    source: 'feed',
    force,
    detected_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

async function publish(...events: EurostatUpdateEvent[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({ key: eurostatUpdateKey(e.code), value: JSON.stringify(e) })),
  });
}

async function settledCount(n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (settled.length < n) {
    if (Date.now() > deadline) throw new Error(`${settled.length} of ${n} events settled`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function loads(): Promise<{ update_time: Date; rows: string }[]> {
  const { rows } = await pool.query(
    'SELECT update_time, rows FROM eurostat.loads WHERE code = $1 ORDER BY update_time',
    [CODE],
  );
  return rows;
}

async function observations(): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM eurostat.observations_${CODE}`);
  return rows[0].n;
}

const statusOf = (o: SyncOutcome | Error) => (o instanceof Error ? o.message : o.status);

describe('the sync worker', () => {
  it('loads the version an update event names, with its raw answer in bronze', async () => {
    await publish(event(originalUpdated));
    await settledCount(1);
    expect(statusOf(settled[0]?.outcome as SyncOutcome)).toBe('loaded');
    expect((await loads()).map((l) => l.update_time.toISOString())).toEqual([
      new Date(eurostatUpdateTime(originalUpdated)).toISOString(),
    ]);
    expect(await observations()).toBeGreaterThan(0);
    const downloaded = await metrics.downloadBytes.get();
    expect(downloaded.values.find((v) => v.labels.kind === 'data')?.value).toBeGreaterThan(0);
    expect((await metrics.datasetsBehind.get()).values[0]?.value).toBe(0);
    const key = eurostatBronzeKey(CODE, originalUpdated);
    expect(gunzipSync(await store.get(key)).toString('utf8')).toBe(
      readFileSync(join(FIXTURES, `${CODE}.json`), 'utf8'),
    );
  });

  it('loads once when the same event comes twice', async () => {
    const before = await observations();
    await publish(event(originalUpdated), event(originalUpdated));
    await settledCount(3);
    expect(settled.slice(1, 3).map((s) => statusOf(s.outcome))).toEqual(['skipped', 'skipped']);
    expect(await loads()).toHaveLength(1);
    expect(await observations()).toBe(before);
  });

  it('replaces the old version with a new one', async () => {
    const newer = '2026-06-02T11:00:00+0200';
    server.setUpdated(CODE, newer);
    try {
      await publish(event(newer));
      await settledCount(4);
      expect(statusOf(settled[3]?.outcome as SyncOutcome)).toBe('loaded');
      const times = (await loads()).map((l) => l.update_time.toISOString());
      expect(times).toContain(new Date(eurostatUpdateTime(newer)).toISOString());
      expect(await store.get(eurostatBronzeKey(CODE, newer))).toBeDefined();
    } finally {
      server.reset(CODE);
    }
  });

  it('reloads a loaded version when the event is forced', async () => {
    const newer = '2026-06-02T11:00:00+0200';
    server.setUpdated(CODE, newer);
    try {
      await publish(event(newer, true));
      await settledCount(5);
      expect(statusOf(settled[4]?.outcome as SyncOutcome)).toBe('loaded');
    } finally {
      server.reset(CODE);
    }
  });

  it('announces each landed version on the manifest topic, before its load', async () => {
    // Landed: the first version, the newer one, the newer one again (forced); skipped: none.
    const messages = await readTopicToEnd(kafka, manifestTopic, {
      groupIdPrefix: 'test-eurostat-manifests',
      timeoutMs: 30_000,
    });
    const newer = '2026-06-02T11:00:00+0200';
    const keys = [originalUpdated, newer, newer].map((t) => eurostatBronzeKey(CODE, t));
    expect(messages.map((m) => m.key?.toString())).toEqual(keys.map(() => `file+eurostat+${CODE}`));
    const manifests = messages.map((m) => {
      const announced = parseBronzeAnnouncement(m.value ?? '');
      if (announced.kind !== 'file') throw new Error('not a file manifest');
      return announced.manifest;
    });
    expect(manifests.map((m) => m.key)).toEqual(keys);
    const [first] = manifests;
    if (first?.source.dataset !== 'eurostat') throw new Error('not a Eurostat manifest');
    expect(bronzeFileManifestKey(first.source)).toBe(`file+eurostat+${CODE}`);
    const object = await store.get(first.key);
    expect(first).toMatchObject({
      format: 'json.gz',
      uri: store.uri(first.key),
      bytes: object.length,
      uncompressed_bytes: gunzipSync(object).length,
      writer: 'eurostat-source@test',
      source: {
        code: CODE,
        update_time: eurostatUpdateTime(originalUpdated),
        url: `${server.apiBase}/statistics/1.0/data/${CODE.toUpperCase()}?format=JSON&lang=EN`,
      },
    });
    // The observed cells: the rows the load wrote for that version.
    const [loaded] = await loads();
    expect(first.record_count).toBe(Number(loaded?.rows));
    expect(first.source.cells).toBe(first.record_count);
  });

  it('passes a message that is no update event, counting it', async () => {
    await producer.send({ topic, messages: [{ key: CODE, value: '{"not":"an event"}' }] });
    await publish(event(originalUpdated));
    await settledCount(6);
    expect(statusOf(settled[5]?.outcome as SyncOutcome)).toBe('skipped');
    const errors = (await metrics.shared.errors.get()).values;
    expect(errors.find((v) => v.labels.code === 'LS_EUROSTAT_EVENT_INVALID')?.value).toBe(1);
  });
});

describe('a bad download', () => {
  let cut: Server;
  let cutBase: string;
  let malformed = false;

  beforeAll(async () => {
    const body = readFileSync(join(FIXTURES, `${CODE}.json`), 'utf8');
    cut = createServer((_req, res) => {
      if (malformed) {
        // A complete HTTP answer whose JSON stops mid-way, as a broken proxy passes it on.
        const half = body.slice(0, Math.floor(body.length * 0.6));
        res.writeHead(200, { 'content-type': 'application/json' }).end(half);
        return;
      }
      res.writeHead(200, { 'content-length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, body.length / 2));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    cutBase = `http://127.0.0.1:${(cut.address() as AddressInfo).port}/eurostat/api/dissemination`;
  });

  afterAll(async () => {
    await new Promise((resolve) => cut.close(resolve));
  });

  it('cut short is a clear error and leaves the loaded version as it was', async () => {
    const [loadsBefore, rowsBefore] = [await loads(), await observations()];
    const err = await syncDataset(
      { ...syncDeps(cutBase), logger },
      { code: CODE, force: true },
    ).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'LS_EUROSTAT_HTTP_UNAVAILABLE', retryable: true });
    expect((err as Error).message).toMatch(/HLTH_RS_BDS.*body cut short/);
    expect(await loads()).toEqual(loadsBefore);
    expect(await observations()).toBe(rowsBefore);
  });

  it('that is no complete JSON-stat names the byte offset and leaves the loaded version', async () => {
    const [loadsBefore, rowsBefore] = [await loads(), await observations()];
    malformed = true;
    try {
      const err = await syncDataset(
        { ...syncDeps(cutBase), logger },
        { code: CODE, force: true },
      ).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'LS_EUROSTAT_ANSWER_INVALID', retryable: false });
      expect((err as Error).message).toMatch(/hlth_rs_bds.*(offset|byte)/i);
    } finally {
      malformed = false;
    }
    expect(await loads()).toEqual(loadsBefore);
    expect(await observations()).toBe(rowsBefore);
  });
});
