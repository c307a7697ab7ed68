import type { OrderItemEvent } from '@lakestream/schema';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishedOutcome } from '../src/index.js';
import { type BronzeRecordSpec, generateEvents, writeBronze } from './support/bronze-fixtures.js';
import { ParquetReader } from './support/silver-reader.js';
import { TestBed } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

const START = Date.UTC(2025, 0, 1, 10, 0);

/** A record of an event on a chosen partition at a chosen time. */
function recordOf(event: OrderItemEvent, partition: number, timestampMs: number): BronzeRecordSpec {
  return {
    partition,
    timestampMs,
    key: String(event.order_id),
    value: JSON.stringify(event),
    isJson: true,
  };
}

describe('the later version of an order item (packages/silver README)', () => {
  it('wins by (kafka_timestamp, kafka_partition, kafka_offset): a version that moved partitions wins at a lower offset', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const [item, ...others] = generateEvents(12, 3) as [OrderItemEvent, ...OrderItemEvent[]];
    const earlier = { ...item, order_status: 'PROCESSING' } as OrderItemEvent;
    const later = { ...item, order_status: 'COMPLETE' } as OrderItemEvent;
    // Partition 0: eleven other items, then the earlier version at offset 11. Partition 1 (the
    // key moved after a partition-count change): the later version at offset 0.
    const records = [
      ...others.map((e, i) => recordOf(e, 0, START + i * 10)),
      recordOf(earlier, 0, START + 1_000),
      recordOf(later, 1, START + 2_000),
    ];
    await bed.produceManifests(await writeBronze(lake.store, bed.sourceTopic, records));
    const transformer = await bed.transformer(lake);
    const outcome = (await transformer.runBatch()) as PublishedOutcome;
    expect(outcome.kind).toBe('published');
    expect(outcome.manifest.quality).toMatchObject({
      records_in: 13,
      rows_out: 12,
      rejected: 0,
      superseded: 1,
    });

    const reader = await ParquetReader.open(await bed.tempDir());
    try {
      const fact = ParquetReader.source(
        await reader.fetch(lake.store, outcome.manifest, 'fct_order_items'),
      );
      const rows = await reader.query(
        `SELECT order_status, kafka_partition, kafka_offset FROM ${fact} WHERE order_item_id = ${item.order_item_id}`,
      );
      expect(
        rows.map((r) => [r.order_status, Number(r.kafka_partition), Number(r.kafka_offset)]),
      ).toEqual([['COMPLETE', 1, 0]]);
    } finally {
      reader.close();
    }
  });
});
