import { setTimeout as sleep } from 'node:timers/promises';
import { parseBronzeObjectKey } from '@lakestream/lake';
import { listAll } from '@lakestream/object-store';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isLeftoverRemoved,
  isPartitionTaken,
  isStarted,
  SinkProcess,
} from './support/sink-process.js';
import { TestBed, verifyExactlyOnce } from './support/test-bed.js';

let bed: TestBed;
const processes: SinkProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  await bed?.cleanup();
});

function start(
  name: string,
  env: Record<string, string>,
  entry?: string,
  args?: string[],
): SinkProcess {
  const sink = new SinkProcess(name, env, entry, args);
  processes.push(sink);
  return sink;
}

describe('crash safety (the sink as a child process, killed with SIGKILL)', () => {
  it('replaces the object a crash left between "durable" and "committed", though the replay cuts elsewhere', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(3);
    const { store, url } = await bed.localStore();
    const sent = await bed.produce(topic, { count: 3_000, spanMs: 2 * 3_600_000 });

    // First run: 500-record objects; dies right after its 4th object is durable, uncommitted.
    const firstEnv = bed.sinkEnv([topic], url, {
      BRONZE_SINK_MAX_RECORDS: '500',
      BRONZE_SINK_INSTANCE_ID: 'first',
    });
    const first = start('crash-after-put', firstEnv, 'test/fixtures/crash-after-put.ts', ['4']);
    const exit = await first.exitWithin(40_000);
    expect(exit.signal).toBe('SIGKILL');
    const crashed = first.logs.find((l) => l.msg === 'crashing after put');
    expect(crashed, first.tail()).toBeDefined();
    const atCrash = (await listAll(store, `bronze/${topic}/`)).map((o) => o.key);
    expect(atCrash).toContain(crashed!.key);

    // Second run cuts at 350 records: its objects from the committed offsets on differ from the
    // first run's, so the leftovers would overlap them if they stayed.
    const secondEnv = bed.sinkEnv([topic], url, {
      BRONZE_SINK_MAX_RECORDS: '350',
      BRONZE_SINK_INSTANCE_ID: 'replay',
    });
    const second = start('replay', secondEnv);
    await bed.waitCommitted(topic, sent, 60_000);
    second.kill('SIGTERM');
    expect((await second.exitWithin(20_000)).code, second.tail()).toBe(0);

    const manifests = await bed.readManifests();
    await verifyExactlyOnce(store, topic, manifests, sent);
    expect(manifests.some((m) => m.record_count === 350)).toBe(true);
    // The leftovers were exactly the objects the first run made durable but never committed –
    // at most one per partition (the one at its committed offset), the crash's among them – and
    // the replay removed each of them as soon as it took the partition.
    const committedByFirst = new Set(
      manifests.filter((m) => m.writer === 'first').map((m) => m.key),
    );
    const leftovers = atCrash.filter((key) => !committedByFirst.has(key)).sort();
    expect(leftovers).toContain(crashed!.key);
    const partitionsOf = leftovers.map((key) => parseBronzeObjectKey(key)!.partition);
    expect(new Set(partitionsOf).size).toBe(leftovers.length);
    const removed = second.logs.filter(isLeftoverRemoved).map((l) => l.key as string);
    expect(removed.sort()).toEqual(leftovers);
  }, 120_000);

  it('loses and duplicates nothing when killed again and again while a producer writes 20,000 messages', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(3);
    const { store, url } = await bed.localStore();
    const env = bed.sinkEnv([topic], url, {
      BRONZE_SINK_MAX_RECORDS: '500',
      BRONZE_SINK_IDLE_FLUSH: '200ms',
    });
    const producing = bed.produce(topic, {
      count: 20_000,
      chunk: 500,
      pauseMs: 500,
      spanMs: 3 * 3_600_000,
    });

    let kills = 0;
    for (let run = 1; run <= 3; run++) {
      const sink = start(`sink-${run}`, env);
      await sink.waitForLog(isStarted, 30_000);
      // Kill once it owns partitions and is writing: after its first set-up, at a random moment.
      await sink.waitForLog(isPartitionTaken, 30_000);
      await sleep(1_000 + Math.random() * 2_000);
      sink.kill('SIGKILL');
      expect((await sink.exitWithin(20_000)).signal).toBe('SIGKILL');
      kills++;
    }
    const last = start('sink-final', env);
    // Until its signal handlers are in place a SIGTERM would simply kill it, not drain it.
    await last.waitForLog(isStarted, 30_000);
    const sent = await producing;
    await bed.waitCommitted(topic, sent, 90_000);
    last.kill('SIGTERM');
    expect((await last.exitWithin(20_000)).code, last.tail()).toBe(0);

    expect(kills).toBe(3);
    const manifests = await bed.readManifests();
    const verified = await verifyExactlyOnce(store, topic, manifests, sent);
    expect(verified.records).toBe(20_000);
  }, 120_000);
});
