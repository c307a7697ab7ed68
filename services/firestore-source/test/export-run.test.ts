/**
 * A run against the real emulator and Kafka: more than one page, the read time holding while
 * documents change between pages, a re-run of a run id reusing its object, subcollections on and
 * off, and the wait for the loader group's committed offset (a group the test commits itself).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Firestore } from '@google-cloud/firestore';
import { createKafka } from '@lakestream/kafka';
import {
  createGcsStore,
  createLocalStore,
  createStorageClient,
  type ObjectStore,
} from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportContext, runExport } from '../src/export/export-run.js';

const logger = createLogger({ service: 'export-test', level: 'fatal' });
const suffix = randomUUID().slice(0, 8);
const topic = `test.firestore-export.${suffix}.manifests`;
const projects: string[] = [];
const clients: Firestore[] = [];
let lake: string;
let store: ObjectStore;
let producer: Producer;
let admin: Admin;

function project(name: string): { id: string; db: Firestore } {
  const id = `ls-export-${name}-${suffix}`;
  const db = new Firestore({ projectId: id, useBigInt: true });
  projects.push(id);
  clients.push(db);
  return { id, db };
}

beforeAll(async () => {
  lake = mkdtempSync(join(tmpdir(), 'export-run-'));
  store = createLocalStore(lake);
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'export-test',
    logger,
  });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  admin = kafka.admin();
  await producer.connect();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
});

afterAll(async () => {
  for (const id of projects) {
    await fetch(
      `http://${process.env.FIRESTORE_EMULATOR_HOST}/emulator/v1/projects/${id}/databases/(default)/documents`,
      { method: 'DELETE' },
    );
  }
  for (const db of clients) await db.terminate();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await producer.disconnect();
  await admin.disconnect();
  rmSync(lake, { recursive: true, force: true });
});

function context(
  projectId: string,
  collections: string[],
  extra: Partial<ExportContext> & {
    subcollections?: boolean;
    pageSize?: number;
    loaderGroup?: string;
    waitTimeoutMs?: number;
  } = {},
): ExportContext {
  const { subcollections, pageSize, loaderGroup, waitTimeoutMs, ...rest } = extra;
  return {
    config: {
      projects: [projectId],
      collections,
      subcollections: subcollections ?? false,
      pageSize: pageSize ?? 500,
      manifestTopic: topic,
      loaderGroup: loaderGroup ?? `test-loader-${randomUUID()}`,
      waitTimeoutMs: waitTimeoutMs ?? 5_000,
      maxAttempts: 3,
      retryBaseMs: 50,
    },
    store,
    producer,
    admin,
    logger,
    noWait: true,
    ...rest,
  };
}

async function paths(key: string): Promise<string[]> {
  return gunzipSync(await store.get(key))
    .toString()
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { _ls_path: string })._ls_path);
}

async function manifestCount(): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(p.high), 0);
}

describe('export: a run', () => {
  it('lands in a gs:// lake (fake-gcs-server) exactly as in a local one', async () => {
    const emulatorHost = process.env.STORAGE_EMULATOR_HOST;
    if (!emulatorHost)
      throw new Error('STORAGE_EMULATOR_HOST is not set: the gcs service is needed');
    const storage = createStorageClient({ emulatorHost });
    const bucket = `ls-export-${suffix}`;
    await storage.bucket(bucket).create();
    try {
      const gcs = createGcsStore({ bucket, prefix: 'lake', emulatorHost });
      const { id, db } = project('gcs');
      await db.doc('pods/a').set({ name: 'a', at: new Date('2024-01-02T03:04:05.678Z') });
      await db.doc('pods/b').set({ name: 'b' });
      const run = await runExport({ ...context(id, ['pods']), store: gcs });
      const table = run.tables[0]!;
      expect(table.status).toBe('exported');
      expect(table.key).toMatch(
        new RegExp(`^bronze/firestore/${id}/pods/dt=\\d{4}-\\d{2}-\\d{2}/`),
      );
      const lines = gunzipSync(await gcs.get(table.key!))
        .toString()
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((l) => [l._ls_path, l.name, l.at])).toEqual([
        [`pods/a`, 'a', '2024-01-02T03:04:05.678000Z'],
        [`pods/b`, 'b', undefined],
      ]);
      expect(gcs.uri(table.key!)).toBe(`gs://${bucket}/lake/${table.key}`);
    } finally {
      await storage.bucket(bucket).deleteFiles({ force: true });
      await storage.bucket(bucket).delete();
    }
  });

  it('reads every page at the run read time: a change and an insert between pages do not show', async () => {
    const { id, db } = project('pages');
    const names = Array.from({ length: 25 }, (_, i) => `d${String(i).padStart(2, '0')}`);
    const batch = db.batch();
    for (const name of names) batch.set(db.doc(`items/${name}`), { v: 1n });
    await batch.commit();
    const pagesRead: number[] = [];
    const run = await runExport(
      context(id, ['items'], {
        pageSize: 10,
        beforePage: async ({ page }) => {
          pagesRead.push(page);
          if (page !== 1) return;
          // After the read time is fixed and page 0 read: change a later document, add one.
          await db.doc('items/d20').set({ v: 2n });
          await db.doc('items/d15a').set({ v: 3n });
        },
      }),
    );
    expect(pagesRead).toEqual([0, 1, 2]);
    const table = run.tables[0]!;
    expect([table.status, table.documents]).toEqual(['exported', 25]);
    expect(await paths(table.key!)).toEqual(names.map((n) => `items/${n}`));
    const rows = gunzipSync(await store.get(table.key!)).toString();
    expect(rows).not.toContain('"v":2');
    // The next run sees both.
    const next = await runExport(context(id, ['items'], { pageSize: 10 }));
    expect(next.tables[0]!.documents).toBe(26);
  });

  it('a re-run of a run id reuses its object and announces the same manifest again', async () => {
    const { id, db } = project('rerun');
    await db.doc('teams/t1').set({ name: 'one' });
    const runId = `test-${suffix}`;
    const first = await runExport(context(id, ['teams'], { runId }));
    const key = first.tables[0]!.key!;
    const body = await store.get(key);
    const before = await manifestCount();
    // Firestore changes; the run id's object must not.
    await db.doc('teams/t2').set({ name: 'two' });
    const again = await runExport(context(id, ['teams'], { runId }));
    expect(again.tables.map((t) => [t.status, t.documents, t.key])).toEqual([['reused', 1, key]]);
    expect((await store.get(key)).equals(body)).toBe(true);
    expect(await manifestCount()).toBe(before + 1);
    // Both announcements carry the same manifest, byte for byte (written_at included).
    const values = await manifestsOf(id);
    expect(values).toHaveLength(2);
    expect(values[0]).toBe(values[1]);
  });

  it('exports subcollections as their own tables only when asked', async () => {
    const { id, db } = project('subs');
    await db.doc('teams/t1').set({ name: 'one' });
    await db.doc('teams/t1/reports/r1').set({ score: 1n });
    await db.doc('teams/t2/reports/r2').set({ score: 2n });
    await db.doc('teams/t2/reports/r2/notes/n1').set({ text: 'x' });
    await db.doc('teams/t2').set({ name: 'two' });
    const off = await runExport(context(id, ['teams']));
    expect(off.tables.map((t) => t.table)).toEqual(['teams']);
    const on = await runExport(context(id, ['teams'], { subcollections: true }));
    expect(on.tables.map((t) => [t.table, t.documents])).toEqual([
      ['teams', 2],
      ['teams__reports', 2],
      ['teams__reports__notes', 1],
    ]);
    expect(await paths(on.tables[1]!.key!)).toEqual(['teams/t1/reports/r1', 'teams/t2/reports/r2']);
    expect(on.tables[1]!.key).toContain(`bronze/firestore/${id}/teams__reports/dt=`);
    expect(await paths(on.tables[2]!.key!)).toEqual(['teams/t2/reports/r2/notes/n1']);
  });

  it('waits until the loader group has committed past the manifest, bounded by the timeout', async () => {
    const { id, db } = project('wait');
    await db.doc('pods/p1').set({ host: 'a' });
    const group = `test-loader-${randomUUID()}`;
    const timedOut = await runExport(
      context(id, ['pods'], { noWait: false, loaderGroup: group, waitTimeoutMs: 1_500 }),
    );
    expect(timedOut.tables[0]!.status).toBe('failed');
    expect(timedOut.tables[0]!.error?.code).toBe('LS_FIRESTORE_EXPORT_APPLY_TIMEOUT');

    // The "loader": once a new manifest is on the topic, commit past it.
    const before = await admin.fetchTopicOffsets(topic);
    let committedAt = 0;
    const loader = (async () => {
      for (;;) {
        const now = await admin.fetchTopicOffsets(topic);
        const moved = now.filter(
          (p) => before.find((b) => b.partition === p.partition)?.high !== p.high,
        );
        if (moved.length > 0) {
          await new Promise((resolve) => setTimeout(resolve, 700));
          committedAt = Date.now();
          await admin.setOffsets({
            groupId: group,
            topic,
            partitions: moved.map((p) => ({ partition: p.partition, offset: p.high })),
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const applied = await runExport(
      context(id, ['pods'], { noWait: false, loaderGroup: group, waitTimeoutMs: 60_000 }),
    );
    await loader;
    expect(applied.tables[0]!.status).toBe('exported');
    expect(committedAt).toBeGreaterThan(0);
    expect(Date.now()).toBeGreaterThanOrEqual(committedAt);
  });
});

/** The values of every manifest on the topic whose key names `projectId`, in offset order. */
async function manifestsOf(projectId: string): Promise<string[]> {
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'export-test',
    logger,
  });
  const consumer = kafka.consumer({ groupId: `test-read-${randomUUID()}` });
  const total = await manifestCount();
  const seen: { key: string; value: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ key: String(message.key), value: String(message.value) });
        if (seen.length === total) resolve();
      },
    });
  });
  await consumer.disconnect();
  // One key per collection: its manifests share a partition, in the order they were published.
  return seen.filter((m) => m.key.includes(`+${projectId}+`)).map((m) => m.value);
}
