/**
 * A run against the real emulator and Kafka: more than one page, the read time holding while
 * documents change between pages, a re-run of a run id reusing its object, subcollections on and
 * off, and the wait for the loader group's committed offset and its dead letters (a group the test
 * commits, and letters it publishes, itself).
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  buildDeadLetter,
  MANIFEST_REJECTION_COMPONENT,
  type ManifestPosition,
  rejectedManifestKey,
} from '@lakestream/lake';
import { createGcsStore, createStorageClient } from '@lakestream/object-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../src/export/export-run.js';
import { ExportStack } from './export-stack.js';

const stack = new ExportStack();

beforeAll(() => stack.start(3));
afterAll(() => stack.stop());

async function paths(key: string): Promise<string[]> {
  return (await stack.rows(key)).map((row) => row._ls_path as string);
}

describe('export: a run', () => {
  it('lands in a gs:// lake (fake-gcs-server) exactly as in a local one', async () => {
    const emulatorHost = process.env.STORAGE_EMULATOR_HOST;
    if (!emulatorHost)
      throw new Error('STORAGE_EMULATOR_HOST is not set: the gcs service is needed');
    const storage = createStorageClient({ emulatorHost });
    const bucket = `ls-export-${stack.suffix}`;
    await storage.bucket(bucket).create();
    try {
      const gcs = createGcsStore({ bucket, prefix: 'lake', emulatorHost });
      const { id, db } = stack.project('gcs');
      await db.doc('pods/a').set({ name: 'a', at: new Date('2024-01-02T03:04:05.678Z') });
      await db.doc('pods/b').set({ name: 'b' });
      const run = await runExport({ ...stack.context(id, ['pods']), store: gcs });
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
    const { id, db } = stack.project('pages');
    const names = Array.from({ length: 25 }, (_, i) => `d${String(i).padStart(2, '0')}`);
    const batch = db.batch();
    for (const name of names) batch.set(db.doc(`items/${name}`), { v: 1n });
    await batch.commit();
    const pagesRead: number[] = [];
    const run = await runExport(
      stack.context(id, ['items'], {
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
    const rows = gunzipSync(await stack.store.get(table.key!)).toString();
    expect(rows).not.toContain('"v":2');
    // The next run sees both.
    const next = await runExport(stack.context(id, ['items'], { pageSize: 10 }));
    expect(next.tables[0]!.documents).toBe(26);
  });

  it('a re-run of a run id reuses its object and announces the same manifest again', async () => {
    const { id, db } = stack.project('rerun');
    await db.doc('teams/t1').set({ name: 'one' });
    const runId = `test-${stack.suffix}`;
    const first = await runExport(stack.context(id, ['teams'], { runId }));
    const key = first.tables[0]!.key!;
    const body = await stack.store.get(key);
    const before = await stack.manifestCount();
    // Firestore changes; the run id's object must not.
    await db.doc('teams/t2').set({ name: 'two' });
    const again = await runExport(stack.context(id, ['teams'], { runId }));
    expect(again.tables.map((t) => [t.status, t.documents, t.key])).toEqual([['reused', 1, key]]);
    expect((await stack.store.get(key)).equals(body)).toBe(true);
    expect(await stack.manifestCount()).toBe(before + 1);
    // Both announcements carry the same manifest, byte for byte (written_at included).
    const values = await manifestsOf(id);
    expect(values).toHaveLength(2);
    expect(values[0]).toBe(values[1]);
  });

  it('exports subcollections as their own tables only when asked', async () => {
    const { id, db } = stack.project('subs');
    await db.doc('teams/t1').set({ name: 'one' });
    await db.doc('teams/t1/reports/r1').set({ score: 1n });
    await db.doc('teams/t2/reports/r2').set({ score: 2n });
    await db.doc('teams/t2/reports/r2/notes/n1').set({ text: 'x' });
    await db.doc('teams/t2').set({ name: 'two' });
    const off = await runExport(stack.context(id, ['teams']));
    expect(off.tables.map((t) => t.table)).toEqual(['teams']);
    const on = await runExport(stack.context(id, ['teams'], { subcollections: true }));
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
    const { id, db } = stack.project('wait');
    await db.doc('pods/p1').set({ host: 'a' });
    const group = `test-loader-${randomUUID()}`;
    const timedOut = await runExport(
      stack.context(id, ['pods'], { noWait: false, loaderGroup: group, waitTimeoutMs: 1_500 }),
    );
    expect(timedOut.tables[0]!.status).toBe('failed');
    expect(timedOut.tables[0]!.error?.code).toBe('LS_FIRESTORE_EXPORT_APPLY_TIMEOUT');

    let committedAt = 0;
    const loader = fakeLoader(group, async () => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      committedAt = Date.now();
    });
    const applied = await runExport(
      stack.context(id, ['pods'], { noWait: false, loaderGroup: group, waitTimeoutMs: 60_000 }),
    );
    await loader;
    expect(applied.tables[0]!.status).toBe('exported');
    expect(committedAt).toBeGreaterThan(0);
    expect(Date.now()).toBeGreaterThanOrEqual(committedAt);
  });

  it('fails a table whose manifest the loader dead-lettered instead of loading', async () => {
    const { id, db } = stack.project('rejected');
    await db.doc('pods/p1').set({ host: 'a' });
    const group = `test-loader-${randomUUID()}`;
    const wait = { noWait: false, loaderGroup: group, waitTimeoutMs: 60_000 };
    // A letter for another position of the topic is no verdict on this run.
    const elsewhere = fakeLoader(group, (at) =>
      reject({ ...at, offset: String(Number(at.offset) + 1) }),
    );
    const loaded = await runExport(stack.context(id, ['pods'], wait));
    await elsewhere;
    expect(loaded.tables[0]!.status).toBe('exported');

    const loader = fakeLoader(group, reject);
    const run = await runExport(stack.context(id, ['pods'], wait));
    await loader;
    expect(run.tables[0]).toMatchObject({ table: 'pods', status: 'failed' });
    expect(run.tables[0]!.error?.code).toBe('LS_FIRESTORE_EXPORT_REJECTED');
    expect(run.tables[0]!.error?.message).toContain('LS_LOADER_DOCUMENTS_INVALID: column clash');
  });
});

/** Publishes the loader's dead letter of the manifest at `at`, as the documents worker does. */
async function reject(at: ManifestPosition): Promise<void> {
  const letter = buildDeadLetter({
    component: MANIFEST_REJECTION_COMPONENT,
    reasons: [
      { code: 'LS_LOADER_DOCUMENTS_INVALID', message: 'column clash', column: null, value: null },
    ],
    raw: null,
    source: { kind: 'topic', ...at },
  });
  await stack.producer.send({
    topic: stack.deadLetterTopic,
    acks: -1,
    messages: [{ key: rejectedManifestKey(at), value: JSON.stringify(letter) }],
  });
}

/**
 * The "loader": once a new manifest is on the topic, runs `onManifest` with its position, then
 * commits `group` past it.
 */
async function fakeLoader(
  group: string,
  onManifest: (at: ManifestPosition) => Promise<void>,
): Promise<void> {
  const before = await stack.admin.fetchTopicOffsets(stack.topic);
  for (;;) {
    const now = await stack.admin.fetchTopicOffsets(stack.topic);
    const moved = now.filter(
      (p) => before.find((b) => b.partition === p.partition)?.high !== p.high,
    );
    if (moved.length > 0) {
      for (const p of moved) {
        await onManifest({
          topic: stack.topic,
          partition: p.partition,
          offset: String(Number(p.high) - 1),
        });
      }
      await stack.admin.setOffsets({
        groupId: group,
        topic: stack.topic,
        partitions: moved.map((p) => ({ partition: p.partition, offset: p.high })),
      });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The values of every manifest on the topic whose key names `projectId`, in offset order. */
async function manifestsOf(projectId: string): Promise<string[]> {
  // One key per collection: its manifests share a partition, in the order they were published.
  return (await stack.messages())
    .filter((m) => m.key.includes(`+${projectId}+`))
    .map((m) => m.value);
}
