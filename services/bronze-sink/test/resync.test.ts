import { setTimeout as sleep } from 'node:timers/promises';
import { parseBronzeObjectKey } from '@lakestream/lake';
import { type ObjectStore, ObjectStoreError } from '@lakestream/object-store';
import { createMetrics } from '@lakestream/observability';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBed, verifyExactlyOnce } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

describe('resync after a failed flush', () => {
  it('never takes a batch fetched before the seek back to the committed offset', async () => {
    bed = new TestBed();
    const topic = await bed.createTopic(3);
    const { store: real } = await bed.localStore();
    // Fault injection, thin: partition 1's first upload fails (its writer voids its buffer and,
    // a second later, seeks back to the committed offset), while the other partitions' uploads are
    // slow – their back-pressure holds kafkajs in their eachBatch, so partition 1's batch of the
    // same fetch, from where its consumer had got to, is handed over only after that seek.
    let failed = false;
    const faulty: ObjectStore = {
      ...real,
      async put(key, body, options) {
        const partition = parseBronzeObjectKey(key)?.partition;
        if (partition === 1 && !failed) {
          failed = true;
          throw new ObjectStoreError('LS_STORE_REQUEST_FAILED', 'injected upload failure');
        }
        if (partition !== 1) await sleep(300);
        await real.put(key, body, options);
      },
    };
    const sent = await bed.produce(topic, { count: 9_000, spanMs: 60_000, valueSize: 200 });
    const metrics = createMetrics({ service: 'resync-test', defaultMetrics: false });
    const sink = await bed.startSink(
      faulty,
      bed.settings([topic], { maxRecords: 100, fetchMaxBytesPerPartition: 262_144 }),
      metrics,
    );
    await bed.waitCommitted(topic, sent, 90_000);
    await sink.stopIntake();
    await sink.flush();
    await sink.commit();
    await sink.close();
    expect(failed).toBe(true);

    const manifests = await bed.readManifests();
    const verified = await verifyExactlyOnce(real, topic, manifests, sent);
    expect(verified.records).toBe(9_000);
  }, 150_000);
});
