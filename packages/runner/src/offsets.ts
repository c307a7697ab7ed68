import type { Kafka } from 'kafkajs';

/** Per-partition offsets of a topic: partition → offset. */
export type PartitionOffsets = Map<number, number>;

/** The end (high watermark) of every partition; an empty map when the topic does not exist. */
export async function topicEndOffsets(kafka: Kafka, topic: string): Promise<PartitionOffsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return new Map();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** An inclusive range of offsets of one partition, e.g. what a bronze object holds. */
export interface OffsetSpan {
  partition: number;
  first_offset: number;
  last_offset: number;
}

/**
 * How many offsets of a run – per partition, [since, end) – the spans hold, each offset counted
 * once however many spans cover it. A span that straddles the run's start (an object holding the
 * previous run's unconsumed records too) counts only its part inside the run; a partition missing
 * from `since` (created since) starts at 0.
 */
export function offsetsHeld(
  spans: readonly OffsetSpan[],
  since: PartitionOffsets,
  end: PartitionOffsets,
): number {
  const byPartition = new Map<number, [number, number][]>();
  for (const span of spans) {
    const from = Math.max(span.first_offset, since.get(span.partition) ?? 0);
    const to = Math.min(span.last_offset + 1, end.get(span.partition) ?? 0);
    if (from >= to) continue;
    const list = byPartition.get(span.partition) ?? [];
    list.push([from, to]);
    byPartition.set(span.partition, list);
  }
  let held = 0;
  for (const ranges of byPartition.values()) {
    ranges.sort((a, b) => a[0] - b[0]);
    let reached = Number.NEGATIVE_INFINITY;
    for (const [from, to] of ranges) {
      const start = Math.max(from, reached);
      if (to > start) held += to - start;
      reached = Math.max(reached, to);
    }
  }
  return held;
}

/** Messages between two snapshots of a topic's end offsets. */
export function countBetween(since: PartitionOffsets, end: PartitionOffsets): number {
  let total = 0;
  for (const [partition, offset] of end) total += offset - (since.get(partition) ?? 0);
  return total;
}
