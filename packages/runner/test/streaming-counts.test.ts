import { randomUUID } from 'node:crypto';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  auditRowCount,
  auditRowCountInRange,
  bronzeManifestTotals,
  topicMessageCount,
  waitForCatchUp,
} from '../src/index.js';

const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'runner-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
const topics: string[] = [];

async function topicWith(values: string[]): Promise<string> {
  const topic = `test-runner-${randomUUID()}`;
  topics.push(topic);
  await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ partition: i % 2, value })) });
  await producer.disconnect();
  return topic;
}

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics });
  await admin.disconnect();
});

describe('streaming counts', () => {
  it('counts a topic, and 0 for a topic that does not exist', async () => {
    const topic = await topicWith(['a', 'b', 'c']);
    expect(await topicMessageCount(kafka, topic)).toBe(3);
    expect(await topicMessageCount(kafka, `missing-${randomUUID()}`)).toBe(0);
  });

  it('waits until a group has committed to the end, and names the stage that is behind', async () => {
    const topic = await topicWith(['1', '2', '3', '4']);
    const groupId = `test-runner-${randomUUID()}`;
    const groups = [{ stage: 'sink', groupId, topic }];
    await expect(
      waitForCatchUp(kafka, { groups, timeoutMs: 300, intervalMs: 100 }),
    ).rejects.toThrow(/sink \(4 messages\)/);
    const admin = kafka.admin();
    await admin.connect();
    setTimeout(() => {
      void admin.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: '2' },
          { partition: 1, offset: '2' },
        ],
      });
    }, 300);
    await waitForCatchUp(kafka, { groups, timeoutMs: 10_000, intervalMs: 100 });
    await admin.disconnect();
  });

  it('ends the wait without an error when stopped (Ctrl-C), long before its timeout', async () => {
    const topic = await topicWith(['1', '2']);
    const groups = [{ stage: 'sink', groupId: `test-runner-${randomUUID()}`, topic }];
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    // The group never commits: only the abort can end the wait within the test's time, and it
    // resolves – the stage still behind is not reported as a failure of a stopped wait.
    await expect(
      waitForCatchUp(kafka, { groups, timeoutMs: 600_000, intervalMs: 100, signal: stop.signal }),
    ).resolves.toBeUndefined();
  });

  it('totals the manifests by object, counting a repeated announcement once', async () => {
    // Manifests as written before start_offset/next_offset existed: they still count.
    const manifest = (uri: string, n: number) =>
      JSON.stringify({
        version: 1,
        uri,
        key: uri.slice('file:///'.length),
        topic: 't',
        partition: 0,
        first_offset: 0,
        last_offset: n - 1,
        record_count: n,
        bytes: 100,
        format: 'jsonl.gz',
      });
    const topic = await topicWith([
      manifest('file:///a', 10),
      manifest('file:///b', 5),
      manifest('file:///a', 10),
    ]);
    expect(await bronzeManifestTotals(kafka, topic)).toEqual({ objects: 2, records: 15 });
  });

  it('counts the audit table rows, and 0 before it exists', async () => {
    const schema = `runner_${randomUUID().replaceAll('-', '')}`;
    const url = process.env.DATABASE_URL!;
    expect(await auditRowCount(url, schema)).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `create schema ${schema}; create table ${schema}.order_item_events (id int)`,
      );
      await client.query(`insert into ${schema}.order_item_events select generate_series(1, 7)`);
      expect(await auditRowCount(url, schema)).toBe(7);
    } finally {
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    }
  });

  it("counts a run's audit rows: this cluster's, in the run's offsets, with or without the cluster column", async () => {
    const schema = `runner_${randomUUID().replaceAll('-', '')}`;
    const url = process.env.DATABASE_URL!;
    const range = {
      topic: 't',
      clusterId: 'now',
      since: new Map([[0, 10]]),
      end: new Map([
        [0, 20],
        [1, 3],
      ]),
    };
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema ${schema}`);
      await client.query(
        `create table ${schema}.order_item_events (topic text, partition int, "offset" bigint, cluster_id text)`,
      );
      // In the run: offsets 10..19 of partition 0 and 0..2 of partition 1 (new since the start).
      // Not in it: offsets before or after, another topic, and a wiped broker's rows (same offsets).
      await client.query(
        `insert into ${schema}.order_item_events
         select 't', 0, o, 'now' from generate_series(5, 24) o
         union all select 't', 1, o, 'now' from generate_series(0, 2) o
         union all select 'other', 0, o, 'now' from generate_series(10, 19) o
         union all select 't', 0, o, 'wiped' from generate_series(10, 19) o`,
      );
      expect(await auditRowCountInRange(url, range, schema)).toBe(13);
      await client.query(`alter table ${schema}.order_item_events drop column cluster_id`);
      expect(await auditRowCountInRange(url, range, schema)).toBe(23);
    } finally {
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    }
  });
});
