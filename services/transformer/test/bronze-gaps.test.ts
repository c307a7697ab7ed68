import { listAll } from '@lakestream/object-store';
import { BATCHES_PREFIX } from '@lakestream/silver';
import { afterEach, describe, expect, it } from 'vitest';
import { TransformerError } from '../src/index.js';
import { eventRecords, generateEvents, writeBronze } from './support/bronze-fixtures.js';
import { type TestBed as Bed, TestBed, type TestStore } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

/** 600 events as 50-record objects over 3 partitions, their manifests not yet produced. */
async function bronze(lake: TestStore) {
  const records = eventRecords(generateEvents(600, 11), { partitions: 3 });
  const manifests = await writeBronze(lake.store, bed.sourceTopic, records, { objectRecords: 50 });
  const ofPartition0 = manifests
    .filter((m) => m.partition === 0)
    .sort((a, b) => a.first_offset - b.first_offset);
  expect(ofPartition0.length).toBeGreaterThanOrEqual(3);
  return { manifests, ofPartition0 };
}

/** The run's error, and that it published nothing: no batch, nothing marked processed. */
async function refusedRun(b: Bed, lake: TestStore): Promise<TransformerError> {
  const err = await (await b.transformer(lake))
    .runBatch()
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TransformerError);
  expect(await listAll(lake.store, BATCHES_PREFIX)).toEqual([]);
  return err as TransformerError;
}

describe('bronze the transformer refuses to build on', () => {
  it('fails hard on a gap between two manifests of a partition, naming both offsets', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const { manifests, ofPartition0 } = await bronze(lake);
    // The records of partition 0's second object never made it into bronze (object nor manifest).
    const [before, lost, after] = ofPartition0;
    await lake.store.delete(lost!.key);
    await bed.produceManifests(manifests.filter((m) => m !== lost));
    const err = await refusedRun(bed, lake);
    expect(err.code).toBe('LS_TRANSFORMER_BRONZE_GAP');
    expect(err.message).toContain(`ends at offset ${before!.last_offset + 1} (${before!.key})`);
    expect(err.message).toContain(`starts at ${after!.first_offset} (${after!.key})`);
  }, 90_000);

  describe.each([
    ['a local folder', (b: TestBed) => b.localStore()],
    ['Cloud Storage (fake-gcs-server)', (b: TestBed) => b.gcsStore()],
  ] as const)('in %s', (_name, openStore) => {
    it('fails hard on an announced object that is missing, instead of quarantining it', async () => {
      bed = new TestBed();
      await bed.createTopics();
      const lake = await openStore(bed);
      const { manifests, ofPartition0 } = await bronze(lake);
      await bed.produceManifests(manifests);
      // What a stale owner's cleanup could do: delete an object its manifest announces.
      const gone = ofPartition0[1]!;
      await lake.store.delete(gone.key);
      const err = await refusedRun(bed, lake);
      expect(err.code).toBe('LS_TRANSFORMER_BRONZE_MISSING');
      expect(err.message).toContain(gone.key);
    }, 90_000);
  });
});
