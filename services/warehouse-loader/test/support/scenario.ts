/**
 * Two batches, as an incremental run of the transformer would publish them:
 *
 * 1. customers 1–4, products 1–3, places 1–2, items 1–10 (January and February 2018), all PENDING.
 * 2. items 11–14 (new customer 5, place 3, March); item 1 → COMPLETE later, same partition, later
 *    offset; item 2 → CLOSED later but on ANOTHER partition at a LOWER offset (the key moved
 *    partitions: the later timestamp must win); item 3 → CANCELED on another partition at a HIGHER
 *    offset but an EARLIER timestamp (an older version: must not win); customer 2 moved to San
 *    Juan; product 3 renamed. Later = greater (kafka_timestamp, kafka_partition, kafka_offset).
 */
import type { ObjectStore } from '@lakestream/object-store';
import { batchId } from '@lakestream/silver';
import type { Row, SilverBatchSpec } from './silver-writer.js';
import { writeSilverBatch } from './silver-writer.js';
import { customer, date, geography, item, product } from './star-rows.js';

function itemsOfBatch1(): Row[] {
  const batch = batchId(1);
  return Array.from({ length: 10 }, (_, i) => {
    const id = i + 1;
    const january = id <= 5;
    return item({
      id,
      offset: id * 10,
      customer: (id % 4) + 1,
      product: (id % 3) + 1,
      geography: (id % 2) + 1,
      orderDay: january ? '2018-01-15' : '2018-02-10',
      shippingDay: january ? '2018-01-18' : '2018-02-13',
      batch,
    });
  });
}

export function batch1(): SilverBatchSpec {
  return {
    sequence: 1,
    createdAt: '2025-01-01T10:00:00.000Z',
    tables: {
      dim_customer: [1, 2, 3, 4].map((id) => customer(id)),
      dim_product: [1, 2, 3].map((id) => product(id)),
      dim_geography: [1, 2].map((n) => geography(n)),
      dim_date: ['2018-01-15', '2018-01-18', '2018-02-10', '2018-02-13'].map(date),
      fct_order_items: itemsOfBatch1(),
    },
  };
}

export function batch2(): SilverBatchSpec {
  const batch = batchId(2);
  const original = itemsOfBatch1();
  const changed = (
    id: number,
    version: { partition: number; offset: number; timestamp: string },
    status: string,
  ): Row => ({
    ...original[id - 1]!,
    kafka_partition: version.partition,
    kafka_offset: version.offset,
    kafka_timestamp: version.timestamp,
    order_status: status,
    silver_batch_id: batch,
  });
  return {
    sequence: 2,
    createdAt: '2025-01-01T11:00:00.000Z',
    tables: {
      dim_customer: [
        customer(2, { city: 'San Juan', street: '1 Calle Luna' }),
        customer(3),
        customer(5),
      ],
      dim_product: [product(3, { product_name: 'Producto 3 (nuevo)' }), product(2)],
      dim_geography: [geography(1), geography(3)],
      dim_date: ['2018-01-15', '2018-01-18', '2018-03-05', '2018-03-08'].map(date),
      fct_order_items: [
        // Stored: item 1 at (2018-01-15 10:15:01, 1, 10), item 2 at (…, 2, 20), item 3 at (…, 0, 30).
        changed(1, { partition: 1, offset: 500, timestamp: '2018-01-20 09:00:00' }, 'COMPLETE'),
        changed(2, { partition: 0, offset: 2, timestamp: '2018-01-20 09:00:01' }, 'CLOSED'),
        changed(3, { partition: 2, offset: 600, timestamp: '2018-01-15 10:15:00' }, 'CANCELED'),
        ...[11, 12, 13, 14].map((id) =>
          item({
            id,
            offset: 200 + id,
            customer: 5,
            product: 3,
            geography: 3,
            orderDay: '2018-03-05',
            shippingDay: '2018-03-08',
            batch,
          }),
        ),
      ],
    },
  };
}

/** Row counts after both batches. */
export const COUNTS_AFTER_BOTH = {
  dim_customer: 5,
  dim_product: 3,
  dim_geography: 3,
  dim_date: 6,
  fct_order_items: 14,
  _lakestream_loads: 2,
};

export async function publishBoth(store: ObjectStore): Promise<void> {
  await writeSilverBatch(store, batch1());
  await writeSilverBatch(store, batch2());
}
