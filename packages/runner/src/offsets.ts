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

/** Whether `offset` of `partition` comes at or after the `since` snapshot (a new partition counts). */
export function isAtOrAfter(since: PartitionOffsets, partition: number, offset: number): boolean {
  return offset >= (since.get(partition) ?? 0);
}
