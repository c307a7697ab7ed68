import { readTopicToEnd, type TopicRecord, waitForCommitted } from '@lakestream/kafka';
import { type BronzeManifest, parseTopicManifest } from '@lakestream/lake';
import { BatchAnnouncementSchema, SilverAppliedSchema } from '@lakestream/silver';
import type { Kafka } from 'kafkajs';
import { parseMessage } from './json-message.js';
import type { BatchTimes, MeasuredRow } from './live-breakdown.js';
import { type PartitionOffsets, topicEndOffsets } from './offsets.js';
import type { StageGroup } from './streaming-counts.js';

/**
 * What live mode reads to measure a run: where each topic stood when it began, how far each stage
 * has drained, when each batch was published and applied, and which fact rows are new in gold.
 */

/** Per topic, where its partitions ended when the run began. */
export type TopicOffsets = Map<string, PartitionOffsets>;

/** Each topic's end offsets now (empty for a topic that does not exist yet). */
export async function topicStarts(kafka: Kafka, topics: readonly string[]): Promise<TopicOffsets> {
  return new Map(
    await Promise.all(topics.map(async (t) => [t, await topicEndOffsets(kafka, t)] as const)),
  );
}

/** Every record of `topic` written since `from` (read_committed), up to its end now. */
export function readSince(
  kafka: Kafka,
  topic: string,
  from: PartitionOffsets | undefined,
  timeoutMs: number,
): Promise<TopicRecord[]> {
  return readTopicToEnd(kafka, topic, {
    groupIdPrefix: `lakestream-live-${process.pid}`,
    timeoutMs,
    ...(from ? { from } : {}),
  });
}

/**
 * Waits until the stage's group has committed past the last record of its trigger topic written
 * since `from`. Judged by records, not by the topic's end: the manifest topic is written in
 * transactions, and the commit marker after a partition's last manifest is an offset no consumer
 * commits past.
 */
export async function drainStage(
  kafka: Kafka,
  group: StageGroup,
  from: PartitionOffsets | undefined,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<TopicRecord[]> {
  const records = await readSince(kafka, group.topic, from, options.timeoutMs);
  const targets = new Map<number, number>();
  for (const r of records)
    targets.set(r.partition, Math.max(targets.get(r.partition) ?? 0, Number(r.offset) + 1));
  const admin = kafka.admin();
  await admin.connect();
  try {
    const behind = await waitForCommitted(admin, {
      groupId: group.groupId,
      topic: group.topic,
      targets,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    }).catch((err: unknown) => {
      if (options.signal.aborted) return [];
      throw err;
    });
    if (behind.length > 0)
      throw new Error(
        `the ${group.stage} did not reach the end of ${group.topic} within ${options.timeoutMs} ms (partitions ${behind.join(', ')})`,
      );
    return records;
  } finally {
    await admin.disconnect();
  }
}

/** When each silver batch was published (its announcement) and applied (its first confirmation). */
export function batchTimes(
  announcements: readonly TopicRecord[],
  confirmations: readonly TopicRecord[],
): BatchTimes {
  const publishedAt = new Map<string, number>();
  for (const record of announcements) {
    const announcement = parseMessage(BatchAnnouncementSchema, record.value);
    if (announcement) publishedAt.set(announcement.batch_id, Date.parse(announcement.created_at));
  }
  const appliedAt = new Map<string, number>();
  for (const record of confirmations) {
    const applied = parseMessage(SilverAppliedSchema, record.value);
    // The first confirmation: a batch confirmed again (a replayed run) was visible already.
    if (applied && !appliedAt.has(applied.batch_id))
      appliedAt.set(applied.batch_id, Date.parse(applied.applied_at));
  }
  return { publishedAt, appliedAt };
}

/** The bronze manifests among the manifest topic's records (file manifests left out). */
export function manifestsOf(records: readonly TopicRecord[]): BronzeManifest[] {
  return records.flatMap((record) => parseTopicManifest(record) ?? []);
}

/** Per partition, the highest fact offset already counted (or before the run). */
export type Watermarks = Map<number, number>;

/**
 * The fact rows past the watermarks, read by the resident dbt right after its refresh (before it
 * releases the warehouse), so they are exactly the rows that refresh put in gold. Offsets of a
 * partition reach the warehouse in order, so a per-partition watermark finds each row once.
 */
export function newRowsSql(seen: Watermarks, topic: string): string {
  const floors = [...seen].map(([p, o]) => `(${p}, ${o})`).join(', ');
  return `with w(p, o) as (${floors ? `values ${floors}` : 'select null::bigint, null::bigint where false'})
    select f.kafka_partition, f.kafka_offset, epoch_ms(f.kafka_timestamp), f.silver_batch_id
      from silver.fct_order_items f left join w on w.p = f.kafka_partition
     where f.kafka_topic = ${sqlString(topic)} and f.kafka_offset > coalesce(w.o, -1)`;
}

/** A SQL string literal. */
function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The rows of a refresh's answer as measured rows; advances the watermarks. */
export function takeNewRows(
  answer: unknown[][],
  seen: Watermarks,
  visibleAt: number,
): MeasuredRow[] {
  return answer.map(([p, o, ts, batch]) => {
    const partition = Number(p);
    const offset = Number(o);
    if (offset > (seen.get(partition) ?? -1)) seen.set(partition, offset);
    return { partition, offset, producedAt: Number(ts), batchId: String(batch), visibleAt };
  });
}
