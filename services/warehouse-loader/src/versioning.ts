import type { SilverTableName } from '@lakestream/silver';

/**
 * The tables whose upsert is guarded by the later-version rule (packages/silver README): a stored
 * row is replaced only by one whose (kafka_timestamp, kafka_partition, kafka_offset) is not lower,
 * so the later version of an order item wins even if an earlier one arrives in a later batch
 * (batches overlapping after a bronze replay, a key that moved partitions). Dimensions have none:
 * the batch applied last carries the customer's or product's latest attributes.
 */
export const VERSIONED_TABLES: ReadonlySet<SilverTableName> = new Set(['fct_order_items']);
