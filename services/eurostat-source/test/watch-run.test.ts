/**
 * `eurostat catalog` and `eurostat watch` against the real PostgreSQL and Kafka of the local
 * stack and the fixture server answering Eurostat's paths: each test file its own database and
 * topic, dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createKafka, ensureTopics, readTopicToEnd, TOPICS, topicSpec } from '@lakestream/kafka';
import { parseEurostatUpdateEvent } from '@lakestream/lake';
import { createLogger } from '@lakestream/observability';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCatalog } from '../src/catalog/catalog-run.js';
import { type FixtureServer, startFixtureServer } from '../src/fixtures/server.js';
import { ensureSchema } from '../src/pg/schema.js';
import { runWatch } from '../src/watch/watch-run.js';
import { deleteTopics } from './support/delete-topics.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';

const logger = createLogger({
  service: 'eurostat-test',
  level: 'error',
  destination: process.stderr,
});
const fixtures = (dir: string) => fileURLToPath(new URL(`../fixtures/${dir}`, import.meta.url));
const NOW = new Date('2026-04-25T12:00:00Z');
const suffix = randomUUID().slice(0, 8);
const topic = `test.eurostat.updates.${suffix}`;
let database: ScratchDatabase;
let pool: pg.Pool;
let server: FixtureServer;
const kafka = createKafka({
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  clientId: 'eurostat-test',
  logger,
});
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

const baseConfig = {
  language: 'en' as const,
  keywords: ['HLTH'],
  feedDays: 7,
  httpTimeoutMs: 5_000,
  maxAttempts: 3,
  retryBaseMs: 10,
  updatesTopic: topic,
};

beforeAll(async () => {
  database = await createScratchDatabase('eurostat_test');
  pool = database.pool(3);
  await ensureSchema(pool);
  server = await startFixtureServer({
    dataDir: fixtures('data'),
    tocDir: fixtures('toc'),
    rssDir: fixtures('rss'),
  });
  await producer.connect();
  await ensureTopics(kafka, [topicSpec(TOPICS.eurostatUpdates, topic)]);
});

afterAll(async () => {
  await producer.disconnect();
  await server?.close();
  await database?.drop();
  await deleteTopics(kafka, [topic]);
});

async function events() {
  const records = await readTopicToEnd(kafka, topic, {
    groupIdPrefix: 'eurostat-test',
    timeoutMs: 30_000,
  });
  return records.map((r) => ({
    key: r.key?.toString(),
    ...parseEurostatUpdateEvent(r.value ?? ''),
  }));
}

const catalog = () =>
  runCatalog({ config: { ...baseConfig, apiBase: server.apiBase }, pool, logger });
const watch = (apiBase = server.apiBase, sender = producer) =>
  runWatch({ config: { ...baseConfig, apiBase }, pool, producer: sender, logger, now: () => NOW });

describe('eurostat catalog', () => {
  it('loads the table of contents and the watchlist; the same file again changes nothing', async () => {
    const first = await catalog();
    expect(first.catalog).toEqual({ added: 9, changed: 0, removed: 0, total: 9 });
    expect(first.watchlist).toMatchObject({ added: 5, total: 5 });
    const row = await pool.query(
      `SELECT code, title, type, to_char(last_data_update, 'YYYY-MM-DD') AS d, value_count::int AS n
         FROM eurostat.catalog WHERE code = 'hlth_cd_asdr2'`,
    );
    expect(row.rows[0]).toMatchObject({ type: 'dataset', d: '2026-04-22', n: 1_204_884 });
    const before = await pool.query('SELECT code, changed_at FROM eurostat.catalog ORDER BY code');
    const second = await catalog();
    expect(second.catalog).toEqual({ added: 0, changed: 0, removed: 0, total: 9 });
    expect(second.watchlist).toMatchObject({ added: 0, changed: 0, removed: 0, total: 5 });
    const after = await pool.query('SELECT code, changed_at FROM eurostat.catalog ORDER BY code');
    expect(after.rows).toEqual(before.rows);
  });

  it('retries a 503 and refuses a malformed table of contents, leaving the catalogue as it was', async () => {
    let calls = 0;
    const flaky = createServer((_req, res) => {
      calls += 1;
      if (calls <= 2) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(
        '"title"\t"code"\t"type"\t"last update of data"\t"last table structure change"\t"data start"\t"data end"\t"values"\n"t"\t"hlth_x"\t"dataset"\t"99.99.2026"\t" "\t" "\t" "\t1\n',
      );
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const apiBase = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/api`;
    try {
      await expect(
        runCatalog({ config: { ...baseConfig, apiBase }, pool, logger }),
      ).rejects.toMatchObject({
        code: 'LS_EUROSTAT_TOC_MALFORMED',
        message: expect.stringMatching(
          /toc\/txt\?lang=en line 2: column 4 \(last update of data\)/,
        ),
      });
      expect(calls).toBe(3);
      const count = await pool.query('SELECT count(*)::int AS n FROM eurostat.catalog');
      expect(count.rows[0].n).toBe(9);
    } finally {
      flaky.close();
    }
  });
});

describe('eurostat watch', () => {
  it('announces each watched dataset not loaded once, keyed by code, and nothing on a re-run', async () => {
    const first = await watch();
    expect(first.plan.deleted).toEqual(['hlth_sha11_hf']);
    expect(
      (await events()).map((e) => [e.key, e.code, e.update_time, e.changed, e.source, e.force]),
    ).toEqual(
      expect.arrayContaining([
        ['hlth_cd_asdr2', 'hlth_cd_asdr2', '2026-04-22T21:00:00Z', 'data', 'feed', false],
        ['hlth_cd_aro', 'hlth_cd_aro', '2026-02-11T00:00:00Z', 'data', 'catalog', false],
        ['hlth_rs_bds', 'hlth_rs_bds', '2026-03-18T00:00:00Z', 'data', 'catalog', false],
        ['hlth_ehis_pa1e', 'hlth_ehis_pa1e', '2025-10-02T00:00:00Z', 'data', 'catalog', false],
      ]),
    );
    expect(await events()).toHaveLength(4);
    const again = await watch();
    expect(again.plan.behind).toHaveLength(4);
    expect(again.announced).toEqual([]);
    expect(await events()).toHaveLength(4);
  });

  it('a loaded version is not announced; a newer one is, once', async () => {
    await pool.query(
      `INSERT INTO eurostat.loads (code, update_time, rows, checks) VALUES
         ('hlth_cd_aro', '2026-02-11T10:00:00Z', 10, '{}'), ('hlth_cd_asdr2', '2026-04-22T21:00:00Z', 10, '{}')`,
    );
    const run = await watch();
    expect(run.plan.upToDate).toEqual(['hlth_cd_aro', 'hlth_cd_asdr2']);
    expect(run.announced).toEqual([]);
    await pool.query(
      `UPDATE eurostat.catalog SET last_data_update = '2026-04-24' WHERE code = 'hlth_cd_aro'`,
    );
    const newer = await watch();
    expect(newer.announced.map((u) => [u.code, u.updateTime.toISOString()])).toEqual([
      ['hlth_cd_aro', '2026-04-24T00:00:00.000Z'],
    ]);
    expect(await events()).toHaveLength(5);
  });

  it('a publish that fails records nothing, so the next run announces the update', async () => {
    await pool.query(
      `UPDATE eurostat.catalog SET last_data_update = '2026-04-25' WHERE code = 'hlth_rs_bds'`,
    );
    const failing = { send: async () => Promise.reject(new Error('broker gone')) };
    await expect(watch(server.apiBase, failing as never)).rejects.toMatchObject({
      code: 'LS_EUROSTAT_PUBLISH_FAILED',
    });
    const rows = await pool.query(
      `SELECT 1 FROM eurostat.announcements WHERE code = 'hlth_rs_bds' AND update_time = '2026-04-25T00:00:00Z'`,
    );
    expect(rows.rowCount).toBe(0);
    const retried = await watch();
    expect(retried.announced.map((u) => u.code)).toEqual(['hlth_rs_bds']);
    expect(await events()).toHaveLength(6);
  });
});
