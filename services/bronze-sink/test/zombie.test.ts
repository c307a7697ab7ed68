import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectStore } from '@lakestream/object-store';
import { createMetrics } from '@lakestream/observability';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBed, verifyExactlyOnce } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

/** Counter value of `errors{code}`. */
async function errorsOf(metrics: ReturnType<typeof createMetrics>, code: string): Promise<number> {
  const { values } = await metrics.errors.get();
  return values.filter((v) => v.labels.code === code).reduce((sum, v) => sum + v.value, 0);
}

describe('a stale owner (zombie) racing the new owner of a partition', () => {
  it('cannot commit, nor replace the new owner`s objects, when its uploads land after a rebalance', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(3);
    const { store: real } = await bed.localStore();
    // Fault injection: once armed, A's uploads take 6 s – long enough for the partitions to move to
    // B, for B to write and commit the same start offsets, and only then for A's objects to land.
    let armed = false;
    const slow: ObjectStore = {
      ...real,
      async put(key, body, options) {
        if (armed) await sleep(6_000);
        await real.put(key, body, options);
      },
    };
    const metricsA = createMetrics({ service: 'a', defaultMetrics: false });
    const sent = await bed.produce(topic, { count: 600, spanMs: 60_000 });
    const a = await bed.startSink(
      slow,
      bed.settings([topic], { instanceId: 'a', idleFlushMs: 60_000, maxRecords: 50_000 }),
      metricsA,
    );
    // A buffers everything (no flush: long idle timeout), then flushes with slow uploads…
    await waitUntil(
      async () => (await metricsA.receivedEvents.get()).values[0]?.value === 600,
      30_000,
    );
    armed = true;
    await a.flush();
    // …while B joins the group, takes partitions from A and commits them itself.
    const more = await bed.produce(topic, { count: 300, firstIndex: 600, sent, spanMs: 60_000 });
    const b = await bed.startSink(
      real,
      bed.settings([topic], { instanceId: 'b', idleFlushMs: 300 }),
    );
    await sleep(8_000);
    armed = false;
    // A rejoined with fewer partitions and re-read them from the committed offsets; both finish
    // what they own (A's idle timeout is long: flush it by hand).
    await a.flush();
    await bed.waitCommitted(topic, more, 60_000);
    for (const sink of [a, b]) {
      await sink.stopIntake();
      await sink.flush();
      await sink.commit().catch(() => {});
      await sink.close();
    }

    const manifests = await bed.readManifests();
    await verifyExactlyOnce(real, topic, manifests, more);
    // A's late flushes of the partitions it lost were refused: fenced at commit, or create-only.
    const refused =
      (await errorsOf(metricsA, 'LS_BRONZE_FENCED')) +
      (await errorsOf(metricsA, 'LS_BRONZE_OBJECT_CONFLICT'));
    expect(refused).toBeGreaterThan(0);
    expect(manifests.some((m) => m.writer === 'b')).toBe(true);
  }, 90_000);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await sleep(100);
  }
}
