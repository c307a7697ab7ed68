import type { ITopicConfig, Kafka } from 'kafkajs';

/** A topic the service needs, created when missing. */
export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** Topic-level configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configEntries?: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet and waits for their leaders. Safe to call from every
 * instance at start-up: a topic created meanwhile by another instance is fine.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = specs
      .filter((s) => !existing.has(s.topic))
      .map((s) => ({
        topic: s.topic,
        numPartitions: s.numPartitions ?? 3,
        configEntries: Object.entries(s.configEntries ?? {}).map(([name, value]) => ({
          name,
          value,
        })),
      }));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Per partition: the group's committed offset, the log end, and the lag between them. */
export interface PartitionLag {
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

/**
 * The consumer group's lag on a topic, from the broker's view (committed offsets, not in-memory
 * positions): what is left to make durable downstream.
 */
export async function consumerLag(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<PartitionLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committedBy = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
    );
    return ends
      .map((e) => {
        const end = Number(e.high);
        const low = Number(e.low);
        const c = committedBy.get(e.partition) ?? -1;
        // -1: nothing committed yet, so everything retained is still to do.
        const from = c < 0 ? low : c;
        return { partition: e.partition, committed: c, end, lag: Math.max(0, end - from) };
      })
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}
