import type { SilverTableName } from '@lakestream/silver';

/**
 * The column that orders two versions of a row, per table. An upsert replaces a stored row only
 * when the incoming one's value is not lower, so the later version of an order item wins even if
 * an older one arrives in a later batch (batches overlapping after a bronze replay). Dimensions
 * have none: the batch applied last carries the customer's or product's latest attributes.
 */
export const VERSION_COLUMN: Readonly<Partial<Record<SilverTableName, string>>> = {
  fct_order_items: 'kafka_offset',
};
