import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SinkProcess } from './support/sink-process.js';
import { TestBed, verifyExactlyOnce } from './support/test-bed.js';

let bed: TestBed;
const processes: SinkProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  await bed?.cleanup();
});

describe('an owner frozen past its session (GC pause, SIGSTOP) and resumed', () => {
  it('does not delete the object the new owner committed under the leftover key', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(1);
    const { store, url } = await bed.localStore();
    const sent = await bed.produce(topic, { count: 300, partitions: 1, spanMs: 60_000 });
    // A takes the partition, then freezes (SIGSTOP) right before checking for a leftover at the
    // key of the committed offset's record.
    const a = new SinkProcess(
      'frozen',
      bed.sinkEnv([topic], url, { BRONZE_SINK_INSTANCE_ID: 'a' }),
      'test/fixtures/freeze-in-cleanup.ts',
    );
    processes.push(a);
    const freezing = await a.waitForLog(
      (l) => l.msg === 'freezing before the leftover check',
      60_000,
    );
    // A's session expires; B takes the partition and commits every record – its first object
    // under exactly the key A was about to check.
    const b = await bed.startSink(store, bed.settings([topic], { instanceId: 'b' }));
    await bed.waitCommitted(topic, sent, 60_000);
    const manifests = await bed.readManifests();
    expect(manifests.map((m) => m.key)).toContain(freezing.key);
    // A resumes with its committed offset of long ago, finds B's object under that key…
    a.kill('SIGCONT');
    await sleep(5_000);
    a.kill('SIGTERM');
    await a.exitWithin(20_000);
    await b.stopIntake();
    await b.flush();
    await b.commit();
    await b.close();

    // …and leaves it: every committed object is still there, holding its records.
    await verifyExactlyOnce(store, topic, await bed.readManifests(), sent);
    expect(a.logs.some((l) => l.msg === 'removed a leftover object of an uncommitted flush')).toBe(
      false,
    );
  }, 150_000);
});
