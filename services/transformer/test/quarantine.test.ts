import { gunzipSync, gzipSync } from 'node:zlib';
import { bronzeObjectKey, type WrittenBronzeManifest } from '@lakestream/lake';
import { listAll } from '@lakestream/object-store';
import type { OrderItemEvent } from '@lakestream/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECK_NAMES, type PublishedOutcome, TransformerError } from '../src/index.js';
import { eventRecords, generateEvents, writeBronze } from './support/bronze-fixtures.js';
import { ParquetReader, publishedManifests } from './support/silver-reader.js';
import { TestBed, testMetrics } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

const START = Date.UTC(2025, 0, 1, 10, 0);

/** A manifest for an object the test wrote by hand. */
function manifestOf(
  bedTopic: string,
  key: string,
  partition: number,
  first: number,
  count: number,
  bytes: number,
): WrittenBronzeManifest {
  return {
    version: 1,
    uri: `file:///lake/${key}`,
    key,
    topic: bedTopic,
    partition,
    start_offset: first,
    first_offset: first,
    last_offset: first + count - 1,
    next_offset: first + count,
    record_count: count,
    bytes,
    uncompressed_bytes: bytes,
    min_record_time: new Date(START).toISOString(),
    max_record_time: new Date(START).toISOString(),
    written_at: new Date().toISOString(),
    writer: 'test',
    format: 'jsonl.gz',
  };
}

describe('quarantine', () => {
  it('sets aside unreadable objects whole and bad records one by one, and loads the rest', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const events = generateEvents(900, 3);
    // One item breaks sales = price × quantity, another item_total = sales − discount.
    const badSales = {
      ...events[10]!,
      sales: events[10]!.sales + 5,
      order_item_total: events[10]!.order_item_total + 5,
    } as OrderItemEvent;
    const badTotal = {
      ...events[20]!,
      order_item_total: events[20]!.order_item_total - 1,
    } as OrderItemEvent;
    const good = events.map((e, i) => (i === 10 ? badSales : i === 20 ? badTotal : e));
    const records = eventRecords(good, { partitions: 3, startMs: START });
    // Records that are not v1 events, each in partition 0 after the good ones.
    const notEvents = [
      { partition: 0, timestampMs: START, key: 'x', value: 'plain text, not JSON' },
      {
        partition: 0,
        timestampMs: START,
        key: 'y',
        value: JSON.stringify({ ...events[30], schema_version: 2, order_item_id: 999_001 }),
      },
      {
        partition: 0,
        timestampMs: START,
        key: 'z',
        value: JSON.stringify({ ...events[31], order_item_id: 999_002, sales: 'lots' }),
      },
      {
        partition: 0,
        timestampMs: START,
        key: 'w',
        value: JSON.stringify({ ...events[32], order_item_id: 999_003, customer_id: undefined }),
      },
      { partition: 0, timestampMs: START, key: 'v', value: null },
    ];
    const next = new Map<number, number>();
    const manifests = await writeBronze(lake.store, bed.sourceTopic, [...records, ...notEvents], {
      objectRecords: 200,
      next,
    });

    // Partition 1 gets two broken objects after its good ones: bad gzip, and a line that is not JSON.
    const start = next.get(1)!;
    const badGzipKey = bronzeObjectKey(bed.sourceTopic, 1, start, START);
    const badGzip = Buffer.concat([
      gzipSync('{"topic":"t"}\n').subarray(0, 12),
      Buffer.from('garbage'),
    ]);
    await lake.store.put(badGzipKey, badGzip);
    const badJsonKey = bronzeObjectKey(bed.sourceTopic, 1, start + 3, START);
    const badJson = gzipSync(
      `{"topic":"${bed.sourceTopic}","partition":1,"offset":${start + 3},"timestamp":"2025-01-01T10:00:00.000Z","key":null,"headers":{},"value_encoding":"json","value":{}}\n{not json at all\n`,
    );
    await lake.store.put(badJsonKey, badJson);
    manifests.push(
      manifestOf(bed.sourceTopic, badGzipKey, 1, start, 3, badGzip.length),
      manifestOf(bed.sourceTopic, badJsonKey, 1, start + 3, 2, badJson.length),
    );
    await bed.produceManifests(manifests);

    const metrics = testMetrics();
    const outcome = (await (
      await bed.transformer(lake, {}, { metrics })
    ).runBatch()) as PublishedOutcome;
    const { manifest } = outcome;
    expect(outcome.readMode).toBe('per-object');
    expect(manifest.quality).toMatchObject({
      status: 'passed_with_quarantine',
      records_in: 905,
      rows_out: 898,
      rejected: 7,
      superseded: 0,
    });
    const check = (name: string) => manifest.quality.checks.find((c) => c.name === name)!;
    expect(check(CHECK_NAMES.objectsReadable)).toMatchObject({
      status: 'quarantined',
      failing_rows: 5,
    });
    expect(check(CHECK_NAMES.objectsReadable).detail).toContain(badGzipKey);
    expect(check(CHECK_NAMES.objectsReadable).detail).toContain(badJsonKey);
    expect(check(CHECK_NAMES.payload)).toMatchObject({ status: 'quarantined', failing_rows: 5 });
    expect(check(CHECK_NAMES.salesRule)).toMatchObject({ status: 'quarantined', failing_rows: 1 });
    expect(check(CHECK_NAMES.totalRule)).toMatchObject({ status: 'quarantined', failing_rows: 1 });
    // The broken objects count as consumed: they are never retried.
    expect(manifest.inputs.map((i) => i.key)).toEqual(
      expect.arrayContaining([badGzipKey, badJsonKey]),
    );

    const lines = gunzipSync(await lake.store.get(manifest.quarantine!.key))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(manifest.quarantine).toMatchObject({
      key: 'silver/_quarantine/00000001/rejected.jsonl.gz',
      rows: 9,
    });
    const byCheck = (name: string) => lines.filter((l) => l.check === name);
    expect(
      byCheck(CHECK_NAMES.objectsReadable)
        .map((l) => l.object_key)
        .sort(),
    ).toEqual([badGzipKey, badJsonKey].sort());
    const reasons = byCheck(CHECK_NAMES.payload).map((l) => l.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'value_encoding is utf8, not json',
        'schema_version is 2, expected 1',
        'missing or ill-typed: sales',
        'missing or ill-typed: customer_id',
        'value_encoding is null, not json',
      ]),
    );
    expect(
      byCheck(CHECK_NAMES.payload).find((l) => l.reason === 'missing or ill-typed: sales'),
    ).toMatchObject({
      partition: 0,
      object_key: expect.stringContaining(`${bed.sourceTopic}+0+`),
      value: expect.objectContaining({ sales: 'lots', order_item_id: 999_002 }),
    });
    const [salesLine] = byCheck(CHECK_NAMES.salesRule);
    expect(salesLine).toMatchObject({
      fields: expect.objectContaining({ order_item_id: badSales.order_item_id }),
    });
    expect(String(salesLine!.reason)).toMatch(/^sales .* <> product_price × quantity = /);
    expect(byCheck(CHECK_NAMES.totalRule)[0]).toMatchObject({
      fields: expect.objectContaining({ order_item_id: badTotal.order_item_id }),
    });

    // The rule breakers are not in silver; everything else is.
    const reader = await ParquetReader.open(await bed.tempDir());
    try {
      const fact = ParquetReader.source(
        await reader.fetch(lake.store, manifest, 'fct_order_items'),
      );
      const [row] = await reader.query(
        `SELECT count(*) AS n, count(*) FILTER (WHERE order_item_id IN (${badSales.order_item_id}, ${badTotal.order_item_id})) AS bad FROM ${fact}`,
      );
      expect(row).toMatchObject({ n: '898', bad: '0' });
    } finally {
      reader.close();
    }
    const discarded = await metrics.discardedEvents.get();
    expect(discarded.values.find((v) => v.labels.reason === CHECK_NAMES.salesRule)?.value).toBe(1);
  });

  it('publishes nothing on a hard failure and leaves silver untouched', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const events = generateEvents(600, 9);
    const next = new Map<number, number>();
    await bed.produceManifests(
      await writeBronze(
        lake.store,
        bed.sourceTopic,
        eventRecords(events.slice(0, 300), { partitions: 3, startMs: START }),
        { next },
      ),
    );
    await (await bed.transformer(lake)).runBatch();
    const before = (await listAll(lake.store, 'silver/')).map((o) => `${o.key}:${o.size}`);

    await bed.produceManifests(
      await writeBronze(
        lake.store,
        bed.sourceTopic,
        eventRecords(events.slice(300), { partitions: 3, startMs: START + 60_000 }),
        { next },
      ),
    );
    const metrics = testMetrics();
    // Inject the fault: a customer of the batch vanishes from its dimension.
    const broken = await bed.transformer(
      lake,
      {},
      {
        metrics,
        afterBuild: (session) =>
          session.run(
            `DELETE FROM dim_customer WHERE customer_id = (SELECT min(customer_id) FROM dim_customer)`,
          ),
      },
    );
    const error = await broken.runBatch().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TransformerError);
    expect(error).toMatchObject({ code: 'LS_TRANSFORMER_QUALITY_FAILED' });
    expect((error as Error).message).toContain('fct_order_items.customer_id_resolves');
    expect((await listAll(lake.store, 'silver/')).map((o) => `${o.key}:${o.size}`)).toEqual(before);
    const failed = await metrics.batches.get();
    expect(failed.values.find((v) => v.labels.result === 'failed')?.value).toBe(1);

    // Without the fault the same work publishes as batch 2.
    const retry = (await (await bed.transformer(lake)).runBatch()) as PublishedOutcome;
    expect(retry.manifest).toMatchObject({ batch_id: '00000002', quality: { rows_out: 300 } });
  });

  it('stops with a clear error when another run published the same sequence first', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    await bed.produceManifests(
      await writeBronze(
        lake.store,
        bed.sourceTopic,
        eventRecords(generateEvents(200, 4), { partitions: 3, startMs: START }),
      ),
    );
    const rival = (await (await bed.transformer(lake)).runBatch()) as PublishedOutcome;
    const rivalText = await lake.store.get(rival.manifestKey);
    // Make this run believe it is first: hide the rival's manifest until the build is done.
    await lake.store.delete(rival.manifestKey);
    const late = await bed.transformer(
      lake,
      {},
      {
        afterBuild: async () => {
          await lake.store.put(rival.manifestKey, rivalText);
        },
      },
    );
    const error = await late.runBatch().catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'LS_TRANSFORMER_BATCH_CONFLICT' });
    expect((error as Error).message).toContain('batch 00000001 was published by another run');
    const published = await publishedManifests(lake.store);
    expect(published).toHaveLength(1);
    expect(JSON.stringify(published[0])).toBe(JSON.stringify(rival.manifest));
  });
});
