import { afterEach, describe, expect, it } from 'vitest';
import { metricValue } from './support/metric-value.js';
import { orderItemEvents, toMessage } from './support/order-item-events.js';
import { TestBed } from './support/test-bed.js';

// Issue 10, item 4: Kafka's data wiped, PostgreSQL's kept. The new topic's offsets start at 0
// again, so every new message lands on a (topic, partition, offset) the table already holds.

let bed: TestBed | undefined;

afterEach(async () => {
  await bed?.cleanup();
  bed = undefined;
});

const COUNT = 600;
const before = () => orderItemEvents(COUNT, { status: 'PENDING' });
const after = () =>
  orderItemEvents(COUNT, { status: 'COMPLETE', ingestedAt: '2024-06-01T09:30:00.000Z' });

/** Fills the table from the topic, then wipes the topic and its group's offsets. */
async function auditedThenWiped(target: TestBed): Promise<void> {
  await target.produce(before().map(toMessage));
  const first = await target.startSink();
  await target.waitForCommittedToEnd(30_000);
  await first.stop();
  await target.recreateTopic();
}

describe('audit sink keys carry the topic’s identity', () => {
  it('stores every message of a new Kafka cluster beside the rows of the wiped one', async () => {
    bed = await TestBed.create({ partitions: 3 });
    await auditedThenWiped(bed);
    // The rows were written by a cluster that no longer exists (a wiped KRaft log gets a new id).
    await bed.db.query(
      `UPDATE "${bed.schema}".order_item_events SET cluster_id = 'wiped-cluster-id'`,
    );

    await bed.produce(after().map(toMessage));
    const second = await bed.startSink();
    await bed.waitForCommittedToEnd(30_000);

    const clusterId = await bed.clusterId();
    const { rows } = await bed.db.query<{ cluster_id: string; status: string; n: number }>(
      `SELECT cluster_id, order_status AS status, count(*)::int AS n
         FROM "${bed.schema}".order_item_events GROUP BY 1, 2`,
    );
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        { cluster_id: 'wiped-cluster-id', status: 'PENDING', n: COUNT },
        { cluster_id: clusterId, status: 'COMPLETE', n: COUNT },
      ]),
    );
    expect(
      await metricValue(second.metrics, 'lakestream_component_errors_total', {
        code: 'LS_AUDIT_KEY_CONFLICT',
      }),
    ).toBe(0);
    // The later send wins in the latest view, whichever cluster it came from.
    const latest = await bed.db.query<{ status: string; n: number }>(
      `SELECT order_status AS status, count(*)::int AS n
         FROM "${bed.schema}".order_items_latest GROUP BY 1`,
    );
    expect(latest.rows).toEqual([{ status: 'COMPLETE', n: COUNT }]);
    expect(second.fatal).toEqual([]);
  });

  it('counts, logs and records a recreated topic’s messages at taken positions, dropping none', async () => {
    bed = await TestBed.create({ partitions: 3 });
    await auditedThenWiped(bed);

    const events = after();
    await bed.produce(events.map(toMessage));
    const second = await bed.startSink();
    await bed.waitForCommittedToEnd(30_000);

    // Same cluster, same topic name, same offsets, other messages: each one is a key conflict,
    // counted as an error (the alert's series) ...
    expect(
      await metricValue(second.metrics, 'lakestream_component_errors_total', {
        code: 'LS_AUDIT_KEY_CONFLICT',
      }),
    ).toBe(COUNT);
    // ... and kept whole beside the row it collided with, with both source positions.
    const { rows } = await bed.db.query<{
      payload: { order_item_id: number; order_status: string; ingested_at: string };
      stored_status: string;
      source_row: string;
      stored_source_row: string;
    }>(
      `SELECT payload, stored_payload->>'order_status' AS stored_status,
              source_row, stored_source_row
         FROM "${bed.schema}".order_item_event_conflicts ORDER BY source_row`,
    );
    expect(rows.map((r) => r.payload)).toEqual(events);
    expect(rows.every((r) => r.stored_status === 'PENDING')).toBe(true);
    expect(rows.every((r) => r.source_row !== null && r.stored_source_row !== null)).toBe(true);
    // The stored rows are untouched; the sink moved on (everything it read is accounted for).
    expect(await bed.positions()).toEqual({ rows: COUNT, distinct: COUNT, otherTopics: 0 });
    expect(second.fatal).toEqual([]);
  });
});
