import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isPartitionTaken, SinkProcess } from './support/sink-process.js';
import { TestBed, verifyExactlyOnce } from './support/test-bed.js';

let bed: TestBed;
const processes: SinkProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  await bed?.cleanup();
});

/** True for a group join that gave this instance at least one partition. */
const isAssigned = (line: Record<string, unknown>) =>
  line.msg === 'group joined; partitions (re)assigned' &&
  Object.values((line.assignment ?? {}) as Record<string, number[]>).some((p) => p.length > 0);

describe('two instances in one consumer group (Cloud Storage)', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'loses and duplicates nothing when one is stopped with %s mid-run',
    async (signal) => {
      bed = new TestBed();
      const topic = await bed.createTopic(3);
      const { store, url } = await bed.gcsStore();
      const env = (id: string) => bed.sinkEnv([topic], url, { BRONZE_SINK_INSTANCE_ID: id });
      // Records keep coming until after B owns partitions: B logs taking one only on a batch.
      const pace = { chunk: 400, pauseMs: 300, spanMs: 3 * 3_600_000 };
      const firstHalf = bed.produce(topic, { count: 6_000, ...pace });

      const a = new SinkProcess('a', env('a'));
      processes.push(a);
      await a.waitForLog(isPartitionTaken, 30_000);
      const b = new SinkProcess('b', env('b'));
      processes.push(b);
      await b.waitForLog(isAssigned, 30_000);
      const producing = bed.produce(topic, {
        count: 6_000,
        firstIndex: 6_000,
        sent: await firstHalf,
        ...pace,
      });
      // B owns partitions once the group has rebalanced around both.
      await b.waitForLog(isPartitionTaken, 30_000);
      await sleep(2_000);
      a.kill(signal);
      const exit = await a.exitWithin(20_000);
      if (signal === 'SIGTERM') expect(exit.code, a.tail()).toBe(0);
      else expect(exit.signal).toBe('SIGKILL');

      const sent = await producing;
      await bed.waitCommitted(topic, sent, 90_000);
      b.kill('SIGTERM');
      expect((await b.exitWithin(20_000)).code, b.tail()).toBe(0);

      const manifests = await bed.readManifests();
      const verified = await verifyExactlyOnce(store, topic, manifests, sent);
      expect(verified.records).toBe(12_000);
      expect(new Set(manifests.map((m) => m.writer))).toEqual(new Set(['a', 'b']));
    },
    120_000,
  );
});
