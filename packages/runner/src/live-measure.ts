import { existsSync } from 'node:fs';
import { readTopicToEnd, topicEnds, waitForCommitted } from '@lakestream/kafka';
import { BatchAnnouncementSchema, SilverAppliedSchema } from '@lakestream/silver';
import type { Kafka } from 'kafkajs';
import { withWarehouse } from './batch-counts.js';
import { parseMessage } from './json-message.js';
import type { BatchTimes, MeasuredRow } from './live-breakdown.js';
import type { StageGroup } from './streaming-counts.js';

/**
 * What live mode reads to measure a run: where each topic stood when it began, how far each stage
 * has drained, when each batch was published and applied, and which fact rows are new in gold.
 */

/** The topics `batchTimes` reads. */
export interface BatchTopics {
  silverBatches: string;
  silverApplied: string;
}

/** Per topic, its partitions' end offsets at one moment. */
export type TopicOffsets = Map<string, Map<number, number>>;

/** Each topic's end offsets now (absent when the topic does not exist yet). */
export async function topicStarts(kafka: Kafka, topics: readonly string[]): Promise<TopicOffsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const starts = new Map<string, Map<number, number>>();
    for (const topic of topics)
      if (existing.has(topic)) starts.set(topic, await topicEnds(admin, topic));
    return starts;
  } finally {
    await admin.disconnect();
  }
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
  from: ReadonlyMap<number, number> | undefined,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<void> {
  const records = await readTopicToEnd(kafka, group.topic, {
    groupIdPrefix: `lakestream-live-${process.pid}`,
    timeoutMs: options.timeoutMs,
    ...(from ? { from } : {}),
  });
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
  } finally {
    await admin.disconnect();
  }
}

/** When each silver batch announced since `starts` was published, and confirmed applied. */
export async function batchTimes(
  kafka: Kafka,
  topics: BatchTopics,
  starts: TopicOffsets,
): Promise<BatchTimes> {
  const read = (topic: string) => {
    const from = starts.get(topic);
    return readTopicToEnd(kafka, topic, {
      groupIdPrefix: `lakestream-live-${process.pid}`,
      timeoutMs: 60_000,
      ...(from ? { from } : {}),
    });
  };
  const publishedAt = new Map<string, number>();
  for (const record of await read(topics.silverBatches)) {
    const announcement = parseMessage(BatchAnnouncementSchema, record.value);
    if (announcement) publishedAt.set(announcement.batch_id, Date.parse(announcement.created_at));
  }
  const appliedAt = new Map<string, number>();
  for (const record of await read(topics.silverApplied)) {
    const applied = parseMessage(SilverAppliedSchema, record.value);
    // The first confirmation: a batch confirmed again (a replayed run) was visible already.
    if (applied && !appliedAt.has(applied.batch_id))
      appliedAt.set(applied.batch_id, Date.parse(applied.applied_at));
  }
  return { publishedAt, appliedAt };
}

/** Per partition, the highest fact offset already counted. */
export type Watermarks = Map<number, number>;

/** Highest fact offset of `topic` per partition now in the warehouse (rows up to it are counted). */
export async function partitionWatermarks(path: string, topic: string): Promise<Watermarks> {
  if (!existsSync(path)) return new Map();
  try {
    const rows = await withWarehouse(path, (run) =>
      run(
        `select kafka_partition as p, max(kafka_offset) as o from silver.fct_order_items
          where kafka_topic = ${sqlString(topic)} group by 1`,
      ),
    );
    return new Map(rows.map((r) => [Number(r.p), Number(r.o)]));
  } catch {
    return new Map();
  }
}

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
