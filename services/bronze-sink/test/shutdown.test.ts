import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isPartitionTaken, SinkProcess } from './support/sink-process.js';
import { type SentMessage, TestBed, verifyExactlyOnce } from './support/test-bed.js';

let bed: TestBed;
const processes: SinkProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  await bed?.cleanup();
});

describe('graceful shutdown', () => {
  it('exits 0 within the grace period on SIGTERM under load, having committed all it took in', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(3);
    const { store, url } = await bed.localStore();
    let stopProducing = false;
    const producing = bed.produce(topic, {
      count: 30_000,
      chunk: 300,
      pauseMs: 100,
      // 21:30 to 22:00: one hour's objects, so no buffer is cut at an hour boundary before SIGTERM.
      spanMs: 1_800_000,
      stop: () => stopProducing,
    });
    // Large objects and a long idle timeout: at SIGTERM every partition has an open buffer.
    const env = bed.sinkEnv([topic], url, {
      SHUTDOWN_GRACE: '10s',
      BRONZE_SINK_MAX_RECORDS: '50000',
      BRONZE_SINK_IDLE_FLUSH: '30s',
    });
    const sink = new SinkProcess('sink', env);
    processes.push(sink);
    await sink.waitForLog(isPartitionTaken, 30_000);
    await sleep(2_500);

    const signalledAt = Date.now();
    sink.kill('SIGTERM');
    const exit = await sink.exitWithin(20_000);
    const tookMs = Date.now() - signalledAt;
    expect(exit.code, sink.tail()).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    const steps = sink.logs.filter((l) => l.msg === 'shutdown hook done').map((l) => l.hook);
    expect(steps).toEqual([
      'abort start-up',
      'stop intake',
      'flush buffers',
      'commit objects and offsets',
      'close kafka clients',
      'close health server',
    ]);

    // What it committed is whole: contiguous from offset 0 up to the committed offsets, and the
    // objects it wrote while shutting down are among the committed ones.
    const committed = await bed.committed(topic);
    stopProducing = true;
    const sent = await producing;
    const upTo = new Map<number, SentMessage[]>(
      [...sent].map(([p, list]) => [p, list.slice(0, Math.max(0, committed.get(p) ?? 0))]),
    );
    expect([...upTo.values()].every((list) => list.length > 0)).toBe(true);
    const atShutdown = await bed.readManifests();
    await verifyExactlyOnce(store, topic, atShutdown, upTo);
    expect(atShutdown.filter((m) => Date.parse(m.written_at) >= signalledAt).length).toBe(3);

    // And nothing is lost: the next run starts where it stopped and completes the topic.
    const next = new SinkProcess('next', bed.sinkEnv([topic], url));
    processes.push(next);
    await bed.waitCommitted(topic, sent, 60_000);
    next.kill('SIGTERM');
    expect((await next.exitWithin(20_000)).code, next.tail()).toBe(0);
    await verifyExactlyOnce(store, topic, await bed.readManifests(), sent);
  }, 120_000);
});
