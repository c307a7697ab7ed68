import { consumerLag, type PartitionLag } from '@lakestream/kafka';
import type { Kafka } from 'kafkajs';

/** A consumer group and the topic whose lag is shown for it. */
export interface LagTarget {
  groupId: string;
  topic: string;
}

/** The lag of one group on one topic. */
export interface GroupLag {
  group: string;
  topic: string;
  /** `ok`: offsets read; `no_topic`: the topic does not exist; `no_offsets`: the group never committed. */
  state: 'ok' | 'no_topic' | 'no_offsets';
  /** Σ of the partitions' lag (messages); for `no_offsets`, every retained message. */
  total_lag: number;
  partitions: PartitionLag[];
}

/** The consumer-lag panel's data: the groups' lag, or why it cannot be shown. */
export type LagReport =
  | { state: 'ok'; checked_at: string; groups: GroupLag[] }
  | { state: 'unavailable'; checked_at: string; reason: string };

/** Options of `readConsumerLag`. */
export interface ConsumerLagOptions {
  kafka: Kafka;
  targets: readonly LagTarget[];
  /** Longest the whole look-up may take. */
  timeoutMs: number;
}

async function lookUp(kafka: Kafka, targets: readonly LagTarget[]): Promise<GroupLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  let topics: Set<string>;
  try {
    topics = new Set(await admin.listTopics());
  } finally {
    await admin.disconnect();
  }
  return Promise.all(
    targets.map(async ({ groupId, topic }): Promise<GroupLag> => {
      if (!topics.has(topic)) {
        return { group: groupId, topic, state: 'no_topic', total_lag: 0, partitions: [] };
      }
      const partitions = await consumerLag(kafka, groupId, topic);
      const total = partitions.reduce((sum, p) => sum + p.lag, 0);
      const committed = partitions.some((p) => p.committed >= 0);
      return {
        group: groupId,
        topic,
        state: committed ? 'ok' : 'no_offsets',
        total_lag: total,
        partitions,
      };
    }),
  );
}

/**
 * The sinks' consumer lag from Kafka's view (committed offsets against the log end). Never
 * throws: an unreachable or slow cluster gives `{ state: 'unavailable', reason }`.
 */
export async function readConsumerLag(options: ConsumerLagOptions): Promise<LagReport> {
  const checkedAt = () => new Date().toISOString();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Kafka did not answer within ${options.timeoutMs}ms`)),
      options.timeoutMs,
    );
  });
  const work = lookUp(options.kafka, options.targets);
  // A look-up abandoned by the timeout still settles later; its failure is expected and ignored.
  work.catch(() => {});
  try {
    const groups = await Promise.race([work, timeout]);
    return { state: 'ok', checked_at: checkedAt(), groups };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      state: 'unavailable',
      checked_at: checkedAt(),
      reason: `Kafka unavailable: ${reason}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
