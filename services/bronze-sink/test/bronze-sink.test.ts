import { setTimeout as sleep } from 'node:timers/promises';
import { listAll, type ObjectStore, ObjectStoreError } from '@lakestream/object-store';
import { createMetrics } from '@lakestream/observability';
import { afterEach, describe, expect, it } from 'vitest';
import { readObject, TestBed, verifyExactlyOnce } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

describe.each([
  ['local folder', (b: TestBed) => b.localStore()],
  ['Cloud Storage (fake-gcs-server)', (b: TestBed) => b.gcsStore()],
] as const)('bronze sink into a %s', (_name, openStore) => {
  it('writes every offset exactly once, laid out by record time, announced by matching manifests', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(3);
    const { store } = await openStore(bed);
    // 5,000 messages over 3 partitions; record times cross 6 hour boundaries (21:30 → 02:30).
    const sent = await bed.produce(topic, { count: 5_000, spanMs: 5 * 3_600_000 });
    const sink = await bed.startSink(store, bed.settings([topic], { maxRecords: 400 }));
    await bed.waitCommitted(topic, sent, 60_000);
    await sink.stopIntake();
    await sink.flush();
    await sink.commit();
    await sink.close();

    const manifests = await bed.readManifests();
    const verified = await verifyExactlyOnce(store, topic, manifests, sent);
    expect(verified.records).toBe(5_000);
    // Every hour the records span has its own folder, across the midnight date change.
    expect([...verified.hours].sort()).toEqual([
      '2018-01-31/21',
      '2018-01-31/22',
      '2018-01-31/23',
      '2018-02-01/00',
      '2018-02-01/01',
      '2018-02-01/02',
    ]);
    // Objects close at 400 records or at an hour boundary, whichever comes first.
    expect(manifests.every((m) => m.record_count <= 400)).toBe(true);
    expect(manifests.every((m) => m.writer === `test-${bed.id}`)).toBe(true);
  });
});

describe('idle flush', () => {
  it('lands a few records of a quiet topic within the idle timeout, not before', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(1);
    const { store } = await bed.localStore();
    const idleFlushMs = 1_000;
    const sink = await bed.startSink(
      store,
      bed.settings([topic], { idleFlushMs, maxRecords: 50_000 }),
    );
    // Let the group form and the partition be set up, so the clock below measures the flush.
    const warmup = await bed.produce(topic, { count: 1, partitions: 1, spanMs: 0 });
    await bed.waitCommitted(topic, warmup, 30_000);

    const producedAt = Date.now();
    // One minute of record time: one hour partition, so only the idle timeout can close the object.
    await bed.produce(topic, {
      count: 5,
      partitions: 1,
      firstIndex: 1,
      sent: warmup,
      spanMs: 60_000,
    });
    const object = await waitForObjectWith(store, topic, 5, 10_000);
    const landedAfter = Date.now() - producedAt;
    expect(landedAfter).toBeGreaterThanOrEqual(idleFlushMs);
    expect(landedAfter).toBeLessThan(idleFlushMs + 3_000);
    expect((await readObject(store, object)).map((r) => r.offset)).toEqual([1, 2, 3, 4, 5]);

    await bed.waitCommitted(topic, warmup, 10_000);
    await sink.stopIntake();
    await sink.flush();
    await sink.commit();
    await sink.close();
    await verifyExactlyOnce(store, topic, await bed.readManifests(), warmup);
  });
});

describe('recovery', () => {
  it('re-takes a partition after a failed flush by itself, with no new record to prompt it', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(1);
    const { store: real } = await bed.localStore();
    // Fault injection: the first upload is refused for good (a 403, say); later ones succeed.
    let refused = 0;
    const store: ObjectStore = {
      ...real,
      async put(key, body, options) {
        if (refused++ === 0) {
          throw new ObjectStoreError('LS_STORE_REQUEST_FAILED', 'refused by the test');
        }
        await real.put(key, body, options);
      },
    };
    // Everything is produced before the sink starts: once fetched, nothing new ever arrives.
    const sent = await bed.produce(topic, { count: 300, partitions: 1, spanMs: 60_000 });
    const metrics = createMetrics({ service: 'test', defaultMetrics: false });
    const sink = await bed.startSink(store, bed.settings([topic], { idleFlushMs: 200 }), metrics);
    await bed.waitCommitted(topic, sent, 20_000);
    await sink.stopIntake();
    await sink.flush();
    await sink.commit();
    await sink.close();
    expect(refused).toBeGreaterThan(1);
    const { values } = await metrics.errors.get();
    expect(values.find((v) => v.labels.code === 'LS_STORE_REQUEST_FAILED')?.value).toBe(1);
    await verifyExactlyOnce(real, topic, await bed.readManifests(), sent);
  });
});

/** Polls the store for an object of `topic` holding `records` records. */
async function waitForObjectWith(
  store: ObjectStore,
  topic: string,
  records: number,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const { key } of await listAll(store, `bronze/${topic}/`)) {
      if ((await readObject(store, key)).length === records) return key;
    }
    if (Date.now() > deadline)
      throw new Error(`no object of ${records} records in ${timeoutMs} ms`);
    await sleep(50);
  }
}
