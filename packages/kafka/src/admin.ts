import { LakestreamError } from '@lakestream/config';
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { isRetriableKafkaError } from './start-retry.js';

/** A topic the service needs, created when missing. */
export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** Topic-level configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configEntries?: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet and waits until every partition of every topic has a
 * leader. Safe to race between processes: a topic another instance created meanwhile is fine. A
 * broker that has just started or a topic that has just been created answer "not yet" for a
 * moment; those answers are thrown as they are (retriable), so wrap the call in
 * `withKafkaStartRetry` at start-up.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
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
    // kafkajs answers `false` (not an error) when every topic already exists. Its own wait for
    // leaders fails outright when the broker answering the metadata does not know the new topic
    // yet (UNKNOWN_TOPIC_OR_PARTITION, common on a busy broker); the wait below retries that.
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
    await waitForLeaders(
      admin,
      specs.map((s) => s.topic),
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Polls until every partition of `topics` has a leader that serves it. The controller knows of a
 * new topic before the broker serving the metadata does, so the first answers may lack it; and
 * the metadata can name a leader before that broker has taken the partition on, when it still
 * answers "not the leader" (a busy broker shows both) – so each leader is asked for its offsets.
 */
async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let missing: string[];
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      missing = topics.filter((topic) => {
        const found = metadata.find((t) => t.name === topic);
        return (
          !found || found.partitions.length === 0 || found.partitions.some((p) => p.leader < 0)
        );
      });
      if (missing.length === 0) {
        for (const topic of topics) await admin.fetchTopicOffsets(topic);
      }
    } catch (err) {
      if (!isRetriableKafkaError(err) || Date.now() > deadline) throw err;
      missing = [...topics];
    }
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new TopicsNotReadyError(missing);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Thrown when a topic's partitions still have no leader: retriable, like the broker's own answer. */
class TopicsNotReadyError extends LakestreamError {
  /** The broker's answer this stands for, so `isRetriableKafkaError` treats it alike. */
  readonly type = 'LEADER_NOT_AVAILABLE';
  constructor(topics: readonly string[]) {
    super('LS_KAFKA_TOPIC_NOT_READY', `partitions without a leader: ${topics.join(', ')}`, {
      retryable: true,
      details: { topics },
    });
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

/**
 * The Kafka cluster's id. (topic, partition, offset) names a message only within one cluster: a
 * wiped broker (a new KRaft log, a new id) starts its offsets at 0 again.
 */
export async function kafkaClusterId(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
