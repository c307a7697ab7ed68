import { listAll } from '@lakestream/object-store';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishedOutcome } from '../src/index.js';
import { eventRecords, generateEvents, writeBronze } from './support/bronze-fixtures.js';
import { ParquetReader, publishedManifests } from './support/silver-reader.js';
import { TestBed } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

const START = Date.UTC(2025, 0, 1, 10, 0);

describe('discovery by manifests', () => {
  it('reads transactional manifests to the last stable offset, never an aborted one', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const manifests = await writeBronze(
      lake.store,
      bed.sourceTopic,
      eventRecords(generateEvents(700, 24), { partitions: 3, startMs: START }),
      { objectRecords: 100 },
    );
    // The last object of partition 2 was announced in a transaction that was aborted.
    const aborted = manifests.filter((m) => m.partition === 2).at(-1)!;
    // A manifest of another topic, sharing the manifest topic, is not this transformer's.
    const other = {
      ...manifests[0]!,
      topic: 'another.topic.v1',
      key: 'bronze/another.topic.v1/x.jsonl.gz',
    };
    await bed.produceManifestsTransactionally([...manifests, other], (m) => m === aborted);

    const outcome = (await (await bed.transformer(lake)).runBatch()) as PublishedOutcome;
    expect(outcome.discoveredBy).toBe('manifests');
    const keys = outcome.manifest.inputs.map((i) => i.key);
    expect(keys.sort()).toEqual(
      manifests
        .filter((m) => m !== aborted)
        .map((m) => m.key)
        .sort(),
    );
    expect(outcome.manifest.quality.records_in).toBe(700 - aborted.record_count);
  });
});

describe('discovery by listing', () => {
  it('reads only committed objects: an uncommitted leftover is ignored until its offsets are committed', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const events = generateEvents(1_250, 21);
    const next = new Map<number, number>();
    await writeBronze(
      lake.store,
      bed.sourceTopic,
      eventRecords(events.slice(0, 1_200), { partitions: 3, startMs: START }),
      { objectRecords: 200, next },
    );
    await bed.commitBronzeOffsets(next);
    // The leftover of an interrupted flush: written, never committed (its items all in partition 0).
    const leftoverEvents = events.slice(1_200).map((e) => ({ ...e, order_id: 3 * e.order_id }));
    const [leftover] = await writeBronze(
      lake.store,
      bed.sourceTopic,
      eventRecords(leftoverEvents, { partitions: 3, startMs: START + 3_600_000 }),
      { next },
    );
    expect(leftover!.partition).toBe(0);

    const transformer = await bed.transformer(lake, { discover: 'listing' });
    const one = (await transformer.runBatch()) as PublishedOutcome;
    expect(one.discoveredBy).toBe('listing');
    expect(one.manifest.quality).toMatchObject({ records_in: 1_200, rows_out: 1_200 });
    expect(one.manifest.inputs.map((i) => i.key)).not.toContain(leftover!.key);
    // Inputs found by listing carry what was read of them.
    expect(one.manifest.inputs.reduce((sum, i) => sum + i.record_count, 0)).toBe(1_200);
    const reader = await ParquetReader.open(await bed.tempDir());
    try {
      const fact = ParquetReader.source(
        await reader.fetch(lake.store, one.manifest, 'fct_order_items'),
      );
      const [row] = await reader.query(
        `SELECT count(*) FILTER (WHERE order_item_id IN (${leftoverEvents.map((e) => e.order_item_id).join(', ')})) AS n FROM ${fact}`,
      );
      expect(row!.n).toBe('0');
    } finally {
      reader.close();
    }
    expect(await transformer.runBatch()).toMatchObject({ kind: 'empty' });

    // Once the sink commits past it, it is data.
    await bed.commitBronzeOffsets(new Map([[0, next.get(0)!]]));
    const two = (await transformer.runBatch()) as PublishedOutcome;
    expect(two.manifest.inputs.map((i) => i.key)).toEqual([leftover!.key]);
    expect(two.manifest.quality).toMatchObject({ records_in: 50, rows_out: 50 });
  });

  it('falls back to listing by itself when retention dropped manifests from the topic', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const next = new Map<number, number>();
    const manifests = await writeBronze(
      lake.store,
      bed.sourceTopic,
      eventRecords(generateEvents(600, 22), { partitions: 3, startMs: START }),
      { objectRecords: 100, next },
    );
    await bed.produceManifests(manifests);
    await bed.commitBronzeOffsets(next);
    const admin = bed.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(bed.manifestTopic);
      const partition = ends.find((e) => Number(e.high) > 0)!.partition;
      await admin.deleteTopicRecords({
        topic: bed.manifestTopic,
        partitions: [{ partition, offset: '1' }],
      });
    } finally {
      await admin.disconnect();
    }

    const outcome = (await (await bed.transformer(lake)).runBatch()) as PublishedOutcome;
    expect(outcome.discoveredBy).toBe('listing');
    expect(outcome.manifest.inputs.map((i) => i.key).sort()).toEqual(
      manifests.map((m) => m.key).sort(),
    );
    expect(outcome.manifest.quality.rows_out).toBe(600);
  });
});

describe('transformer on Cloud Storage (fake-gcs-server)', () => {
  it('reads bronze from the bucket and publishes silver there', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const bucket = await bed.gcsStore();
    const events = generateEvents(500, 23);
    await bed.produceManifests(
      await writeBronze(
        bucket.store,
        bed.sourceTopic,
        eventRecords(events, { partitions: 3, startMs: START }),
        {
          objectRecords: 100,
        },
      ),
    );
    const transformer = await bed.transformer(bucket);
    const outcome = (await transformer.runBatch()) as PublishedOutcome;
    expect(outcome.manifest.quality).toMatchObject({
      status: 'passed',
      records_in: 500,
      rows_out: 500,
    });
    expect(outcome.manifestKey).toBe('silver/_batches/00000001.json');
    expect(await listAll(bucket.store, 'silver/_staging/')).toEqual([]);
    const listed = (await listAll(bucket.store, 'silver/fct_order_items/'))
      .map((o) => o.key)
      .sort();
    expect(listed).toEqual(outcome.manifest.tables.fct_order_items!.files.map((f) => f.key).sort());

    const reader = await ParquetReader.open(await bed.tempDir());
    try {
      const fact = ParquetReader.source(
        await reader.fetch(bucket.store, outcome.manifest, 'fct_order_items'),
      );
      const customers = ParquetReader.source(
        await reader.fetch(bucket.store, outcome.manifest, 'dim_customer'),
      );
      const [row] = await reader.query(
        `SELECT count(*) AS n, count(c.customer_id) AS resolved FROM ${fact} f LEFT JOIN ${customers} c USING (customer_id)`,
      );
      expect(row).toMatchObject({ n: '500', resolved: '500' });
    } finally {
      reader.close();
    }
    expect(await transformer.runBatch()).toMatchObject({ kind: 'empty' });
    expect(await publishedManifests(bucket.store)).toHaveLength(1);
  });
});
