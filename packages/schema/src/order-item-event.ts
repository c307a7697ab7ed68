import type { OrderItemValues } from './columns.js';

/**
 * Version of the `OrderItemEvent` shape. Bump it on any change a consumer could notice (a field
 * renamed, retyped or removed); consumers route versions they do not know to the dead-letter topic.
 */
export const SCHEMA_VERSION = 1 as const;

/** Where an event came from. */
export interface SourcePosition {
  /** The CSV file name (or path) the producer read. */
  file: string;
  /**
   * The 1-based data row: 1 is the first record after the header. A record number rather than a
   * line number, because a quoted field may span lines and then line numbers stop meaning records.
   */
  row: number;
}

/**
 * The normalized order-item event put on Kafka: one CSV row with every column under its snake_case
 * field (see `ORDER_ITEM_COLUMNS`), typed — numbers as JS numbers, empty nullable cells as `null`,
 * timestamps as ISO-8601 UTC strings (`2018-01-31T22:56:00.000Z`), enums as their literal values.
 * Text is kept exactly as read, spaces and accents included: trimming is the silver layer's job, so
 * that bronze stays a faithful copy of the source.
 */
export interface OrderItemEvent extends OrderItemValues {
  schema_version: typeof SCHEMA_VERSION;
  source: SourcePosition;
  /** When the producer read the row, ISO-8601 UTC. */
  ingested_at: string;
}

/** Serializes an event as the JSON text of a Kafka message value. */
export function serializeOrderItemEvent(event: OrderItemEvent): string {
  return JSON.stringify(event);
}
