/**
 * Bronze data made the way the bronze sink makes it – gzip JSON lines, one per Kafka record, named
 * `bronze/<topic>/dt=…/hour=…/<topic>+<partition>+<start, 20 digits>.jsonl.gz`, each announced by a
 * manifest – without Kafka in between, so tests and the benchmark control every offset.
 */
import { gzipSync } from 'node:zlib';
import { generateOrderItems } from '@lakestream/datagen';
import { bronzeObjectKey, hourOf, type WrittenBronzeManifest } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { type OrderItemEvent, parseOrderItemRow } from '@lakestream/schema';

/** One Kafka record to put in bronze: its value is written as the sink writes a JSON value. */
export interface BronzeRecordSpec {
  partition: number;
  /** Kafka timestamp, ms since the epoch. */
  timestampMs: number;
  key: string | null;
  /** The value bytes as text (JSON or not), or null for a tombstone. */
  value: string | null;
  /** Whether `value` is JSON text; found out by parsing it when not said. */
  isJson?: boolean;
}

/**
 * `count` realistic order-item events (datagen rows parsed by the schema package), the first with
 * Order Item Id `1`. The same seed gives the same events.
 */
export function generateEvents(count: number, seed = 42): OrderItemEvent[] {
  const events: OrderItemEvent[] = [];
  let row = 0;
  for (const fields of generateOrderItems({ rows: count, seed })) {
    row++;
    const parsed = parseOrderItemRow(fields, {
      file: 'generated.csv',
      row,
      ingestedAt: '2025-01-01T00:00:00.000Z',
    });
    if (!parsed.ok)
      throw new Error(`datagen row ${row} does not parse: ${parsed.problems[0]?.message}`);
    events.push(parsed.event);
  }
  return events;
}

/** The partition of an event: by Order Id, so every version of an item lands in one partition. */
export function partitionOf(event: Pick<OrderItemEvent, 'order_id'>, partitions: number): number {
  return event.order_id % partitions;
}

/** Records of events, keyed by Order Id, partitioned by `partitionOf`, timestamps from `startMs`. */
export function eventRecords(
  events: readonly OrderItemEvent[],
  options: { partitions: number; startMs?: number; stepMs?: number },
): BronzeRecordSpec[] {
  const startMs = options.startMs ?? Date.UTC(2025, 0, 1, 10, 0);
  const stepMs = options.stepMs ?? 10;
  return events.map((event, i) => ({
    partition: partitionOf(event, options.partitions),
    timestampMs: startMs + i * stepMs,
    key: String(event.order_id),
    value: JSON.stringify(event),
    isJson: true,
  }));
}

/** One bronze line, byte for byte as the sink's line encoder writes a UTF-8 JSON value. */
export function bronzeLine(topic: string, offset: number, record: BronzeRecordSpec): string {
  const head =
    `{"topic":${JSON.stringify(topic)},"partition":${record.partition},"offset":${offset},` +
    `"timestamp":"${new Date(record.timestampMs).toISOString()}",` +
    `"key":${record.key === null ? 'null' : JSON.stringify(record.key)},"headers":{},`;
  if (record.value === null) return `${head}"value_encoding":null,"value":null}\n`;
  return (record.isJson ?? isJsonText(record.value))
    ? `${head}"value_encoding":"json","value":${record.value}}\n`
    : `${head}"value_encoding":"utf8","value":${JSON.stringify(record.value)}}\n`;
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Where each partition's next offset is: continue a topic across `writeBronze` calls. */
export type NextOffsets = Map<number, number>;

/**
 * Writes records as bronze objects of at most `objectRecords` records per partition (and never
 * across an hour, as the sink cuts them), continuing at `next` offsets, and returns the
 * manifests in write order.
 */
export async function writeBronze(
  store: ObjectStore,
  topic: string,
  records: readonly BronzeRecordSpec[],
  options: { objectRecords?: number; next?: NextOffsets; gzipLevel?: number } = {},
): Promise<WrittenBronzeManifest[]> {
  const objectRecords = options.objectRecords ?? 50_000;
  const next = options.next ?? new Map<number, number>();
  const byPartition = new Map<number, BronzeRecordSpec[]>();
  for (const record of records) {
    const list = byPartition.get(record.partition) ?? [];
    list.push(record);
    byPartition.set(record.partition, list);
  }
  const manifests: WrittenBronzeManifest[] = [];
  for (const [partition, list] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    let i = 0;
    while (i < list.length) {
      const hour = hourOf(list[i]!.timestampMs);
      const chunk: BronzeRecordSpec[] = [];
      while (
        i < list.length &&
        chunk.length < objectRecords &&
        hourOf(list[i]!.timestampMs) === hour
      ) {
        chunk.push(list[i]!);
        i++;
      }
      const start = next.get(partition) ?? 0;
      const text = chunk.map((record, j) => bronzeLine(topic, start + j, record)).join('');
      const body = gzipSync(text, { level: options.gzipLevel ?? 6 });
      const key = bronzeObjectKey(topic, partition, start, chunk[0]!.timestampMs);
      await store.put(key, body);
      next.set(partition, start + chunk.length);
      const first = chunk[0]!.timestampMs;
      const minMs = chunk.reduce((min, r) => Math.min(min, r.timestampMs), first);
      const maxMs = chunk.reduce((max, r) => Math.max(max, r.timestampMs), first);
      manifests.push({
        version: 1,
        uri: store.uri(key),
        key,
        topic,
        partition,
        start_offset: start,
        first_offset: start,
        last_offset: start + chunk.length - 1,
        next_offset: start + chunk.length,
        record_count: chunk.length,
        bytes: body.length,
        uncompressed_bytes: Buffer.byteLength(text),
        min_record_time: new Date(minMs).toISOString(),
        max_record_time: new Date(maxMs).toISOString(),
        written_at: new Date().toISOString(),
        writer: 'transformer-test',
        format: 'jsonl.gz',
      });
    }
  }
  return manifests;
}
