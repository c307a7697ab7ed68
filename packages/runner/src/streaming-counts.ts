import { consumerLag, readTopicToEnd, TOPICS } from '@lakestream/kafka';
import type { Kafka } from 'kafkajs';
import pg from 'pg';

/** A consumer group and the topic whose progress it stands for. */
export interface StageGroup {
  stage: string;
  groupId: string;
  topic: string;
}

/** The streaming stages' consumer groups, with the services' default group ids. */
export const STREAMING_GROUPS: readonly StageGroup[] = [
  { stage: 'bronze-sink', groupId: 'lakestream-bronze-sink', topic: TOPICS.orderItems },
  { stage: 'audit-sink', groupId: 'lakestream-audit-sink', topic: TOPICS.orderItems },
];

/** Messages a topic holds now (sum over partitions of end − start); 0 when it does not exist. */
export async function topicMessageCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Total committed lag of each stage's group. */
export async function stageLags(kafka: Kafka, groups: readonly StageGroup[] = STREAMING_GROUPS) {
  return Promise.all(
    groups.map(async (g) => ({
      ...g,
      lag: (await consumerLag(kafka, g.groupId, g.topic)).reduce((sum, p) => sum + p.lag, 0),
    })),
  );
}

/**
 * Waits until every stage's group has committed up to the end of its topic, i.e. everything
 * produced is durable in that stage's store. Rejects after `timeoutMs` naming the stages behind.
 */
export async function waitForCatchUp(
  kafka: Kafka,
  { groups = STREAMING_GROUPS, timeoutMs = 300_000, intervalMs = 500 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lags = await stageLags(kafka, groups);
    const behind = lags.filter((l) => l.lag > 0);
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `stages still behind after ${timeoutMs} ms: ${behind.map((b) => `${b.stage} (${b.lag} messages)`).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** What the runner reads of a bronze manifest (the bronze-sink's message on the manifest topic). */
export interface BronzeManifestEntry {
  uri: string;
  /** Object key relative to the store root (`bronze/<topic>/dt=…/…`). */
  key: string;
  topic: string;
  partition: number;
  first_offset: number;
  last_offset: number;
  record_count: number;
}

/**
 * Every committed bronze manifest (the only index of committed objects), one per object URI.
 * Read to the topic's last stable offset with read_committed, so manifests of aborted
 * transactions never show.
 */
export async function readBronzeManifests(
  kafka: Kafka,
  topic: string = TOPICS.bronzeFiles,
  timeoutMs = 60_000,
): Promise<BronzeManifestEntry[]> {
  const records = await readTopicToEnd(kafka, topic, {
    groupIdPrefix: `lakestream-report-${process.pid}`,
    timeoutMs,
  });
  const seen = new Map<string, BronzeManifestEntry>();
  for (const { value } of records) {
    if (value === null) continue;
    const manifest = JSON.parse(value.toString('utf8')) as BronzeManifestEntry;
    seen.set(manifest.uri, manifest);
  }
  return [...seen.values()];
}

/** Committed bronze objects and the records they hold, from the manifests. */
export async function bronzeManifestTotals(
  kafka: Kafka,
  topic: string = TOPICS.bronzeFiles,
): Promise<{ objects: number; records: number }> {
  const manifests = await readBronzeManifests(kafka, topic);
  return {
    objects: manifests.length,
    records: manifests.reduce((sum, m) => sum + m.record_count, 0),
  };
}

/** Rows in the audit table (`<schema>.order_item_events`); 0 when it does not exist yet. */
export async function auditRowCount(databaseUrl: string, schema = 'bronze'): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query('select to_regclass($1) as t', [
      `${schema}.order_item_events`,
    ]);
    if (!exists.rows[0].t) return 0;
    const { rows } = await client.query(
      `select count(*)::bigint as n from ${schema}.order_item_events`,
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/**
 * Audit rows of `topic` at or after the per-partition `since` offsets (the rows a run added);
 * 0 when the table does not exist yet.
 */
export async function auditRowCountSince(
  databaseUrl: string,
  topic: string,
  since: ReadonlyMap<number, number>,
  schema = 'bronze',
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query('select to_regclass($1) as t', [
      `${schema}.order_item_events`,
    ]);
    if (!exists.rows[0].t) return 0;
    const partitions = [...since.keys()];
    const floors = partitions.map((p) => since.get(p) ?? 0);
    // A partition missing from the snapshot (created since) counts from offset 0.
    const { rows } = await client.query(
      `select count(*)::bigint as n
         from ${schema}.order_item_events e
         left join unnest($2::int[], $3::bigint[]) as s(p, floor) on s.p = e.partition
        where e.topic = $1 and e."offset" >= coalesce(s.floor, 0)`,
      [topic, partitions, floors],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}
