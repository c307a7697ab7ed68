import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** One record read by `readTopicToEnd`. */
export interface TopicRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** A partition's first offset and last stable offset (read_committed), as the admin reports them. */
export interface PartitionEnds {
  partition: number;
  low: string;
  high: string;
}

/** Options of `readTopicToEnd`. */
export interface ReadTopicOptions {
  /** Prefix of the throwaway consumer group's id (a random suffix is added). */
  groupIdPrefix: string;
  /** Rejects when the ends are not reached within this time. */
  timeoutMs: number;
  /** The ends to read up to, when the caller already fetched them; else fetched here. */
  ends?: readonly PartitionEnds[];
  /**
   * Per partition, the offset to start at (what is before it is known to the caller already);
   * a partition not named is read from its start.
   */
  from?: ReadonlyMap<number, number>;
}

/**
 * Every record of `topic` from the start of each partition (or its `from` offset) up to its last
 * stable offset at the time of the call, read_committed (records of aborted transactions never
 * show), in a throwaway consumer group that commits nothing and is deleted afterwards. The end is
 * judged by offsets, transaction markers included, not by a pause in delivery. A missing topic
 * reads as empty.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  options: ReadTopicOptions,
): Promise<TopicRecord[]> {
  const groupId = `${options.groupIdPrefix}-${randomUUID()}`;
  // The group exists only once there is something to read.
  const remaining = await planRead(kafka, topic, groupId, options);
  if (remaining.size === 0) return [];
  try {
    return await readUntil(kafka, topic, groupId, remaining, options);
  } finally {
    await deleteGroup(kafka, groupId);
  }
}

/**
 * Per partition with records to read, the end to read up to. The group's starting offsets are set
 * from `from` before it joins: kafkajs begins where a group has committed (and again after a
 * rejoin), and from the beginning where it has not.
 */
async function planRead(
  kafka: Kafka,
  topic: string,
  groupId: string,
  options: ReadTopicOptions,
): Promise<Map<number, number>> {
  const from = options.from ?? new Map<number, number>();
  const toRead = (ends: readonly PartitionEnds[]) =>
    new Map(
      ends
        .map((e) => ({
          partition: e.partition,
          start: Math.max(Number(e.low), from.get(e.partition) ?? 0),
          high: Number(e.high),
        }))
        .filter((e) => e.high > e.start)
        .map((e) => [e.partition, e.high] as const),
    );
  if (options.ends !== undefined && from.size === 0) return toRead(options.ends);
  const admin = kafka.admin();
  await admin.connect();
  try {
    let ends = options.ends;
    if (ends === undefined) {
      if (!(await admin.listTopics()).includes(topic)) return new Map();
      // The admin's ListOffsets is read_committed: `high` is the last stable offset.
      ends = await admin.fetchTopicOffsets(topic);
    }
    const remaining = toRead(ends);
    const starts = ends
      .filter((e) => remaining.has(e.partition) && (from.get(e.partition) ?? 0) > Number(e.low))
      .map((e) => ({ partition: e.partition, offset: String(from.get(e.partition)) }));
    if (starts.length > 0) await admin.setOffsets({ groupId, topic, partitions: starts });
    return remaining;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** The records until every partition of `remaining` has reached its end. */
async function readUntil(
  kafka: Kafka,
  topic: string,
  groupId: string,
  remaining: Map<number, number>,
  options: ReadTopicOptions,
): Promise<TopicRecord[]> {
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  // Keyed by position: should kafkajs deliver a record again (it re-reads from the group's start
  // if the throwaway group rejoins), that is the same record, not a second one.
  const byPosition = new Map<string, TopicRecord>();
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      // END_BATCH_PROCESS also reports batches made only of transaction markers.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const high = remaining.get(payload.partition);
        if (high !== undefined && Number(payload.lastOffset) + 1 >= high)
          remaining.delete(payload.partition);
        if (remaining.size === 0) resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${topic} was not read to its end within ${options.timeoutMs} ms (partitions left: ${[...remaining.keys()].join(', ')})`,
            ),
          ),
        options.timeoutMs,
      );
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        byPosition.set(`${partition}:${message.offset}`, {
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
        });
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
  return [...byPosition.values()];
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // An empty group without offsets expires on its own.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
