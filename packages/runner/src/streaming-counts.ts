import { CONSUMER_GROUPS, consumerLag, readTopicToEnd, TOPICS } from '@lakestream/kafka';
import { type BronzeManifest, parseTopicManifest } from '@lakestream/lake';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import type { PartitionOffsets } from './offsets.js';

/** A consumer group and the topic whose progress it stands for. */
export interface StageGroup {
  stage: string;
  groupId: string;
  topic: string;
}

/** The streaming stages' consumer groups, with the contract's group ids (the services' defaults). */
export const STREAMING_GROUPS: readonly StageGroup[] = [
  { stage: 'bronze-sink', groupId: CONSUMER_GROUPS.bronzeSink, topic: TOPICS.orderItems },
  { stage: 'audit-sink', groupId: CONSUMER_GROUPS.auditSink, topic: TOPICS.orderItems },
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
 * Every committed bronze manifest (the only index of committed objects), one per object URI.
 * Read to the topic's last stable offset with read_committed, so manifests of aborted
 * transactions never show.
 */
export async function readBronzeManifests(
  kafka: Kafka,
  topic: string = TOPICS.bronzeFiles,
  timeoutMs = 60_000,
): Promise<BronzeManifest[]> {
  const records = await readTopicToEnd(kafka, topic, {
    groupIdPrefix: `lakestream-report-${process.pid}`,
    timeoutMs,
  });
  const seen = new Map<string, BronzeManifest>();
  for (const record of records) {
    const manifest = parseTopicManifest(record);
    if (manifest) seen.set(manifest.uri, manifest);
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
 * Audit rows of a run: rows of `clusterId` and `topic` whose offset is in the run's [since, end)
 * per partition (a partition missing from `since` counts from 0). Rows an earlier cluster left
 * under the same (topic, partition, offset) are not the run's; a table without the `cluster_id`
 * column (before that migration) is counted without it. 0 when the table does not exist yet.
 */
export async function auditRowCountInRange(
  databaseUrl: string,
  range: { topic: string; clusterId: string; since: PartitionOffsets; end: PartitionOffsets },
  schema = 'bronze',
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<{ column_name: string }>(
      `select column_name from information_schema.columns
        where table_schema = $1 and table_name = 'order_item_events'`,
      [schema],
    );
    if (columns.rows.length === 0) return 0;
    const byCluster = columns.rows.some((c) => c.column_name === 'cluster_id');
    const partitions = [...range.end.keys()];
    const { rows } = await client.query(
      `select count(*)::bigint as n
         from ${schema}.order_item_events e
         join unnest($2::int[], $3::bigint[], $4::bigint[]) as r(p, since, "end") on r.p = e.partition
        where e.topic = $1 and e."offset" >= r.since and e."offset" < r."end"
          ${byCluster ? 'and e.cluster_id = $5' : ''}`,
      [
        range.topic,
        partitions,
        partitions.map((p) => range.since.get(p) ?? 0),
        partitions.map((p) => range.end.get(p) ?? 0),
        ...(byCluster ? [range.clusterId] : []),
      ],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}
