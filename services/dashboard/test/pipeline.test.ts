import { randomUUID } from 'node:crypto';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRONZE_KEYS, writeLake, writeRunResults } from './support/lake-fixture.js';
import {
  buildDashboard,
  makeTempHome,
  type StartedDashboard,
  type TempHome,
} from './support/test-bed.js';

describe('pipeline health panels', () => {
  let home: TempHome;
  let bed: StartedDashboard;

  beforeAll(async () => {
    home = await makeTempHome();
    bed = await buildDashboard(home);
  });
  afterAll(async () => {
    await bed?.close();
    await home?.remove();
  });

  const get = async (url: string) => {
    const response = await bed.app.inject({ method: 'GET', url });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response.json();
  };

  it('say "none yet" on an empty lake and without a dbt run', async () => {
    expect(await get('/api/pipeline/bronze')).toEqual({
      state: 'none',
      reason: expect.stringContaining('no bronze object'),
    });
    expect(await get('/api/pipeline/silver')).toEqual({
      state: 'none',
      reason: expect.stringContaining('no published silver batch'),
    });
    expect(await get('/api/pipeline/dbt')).toEqual({
      state: 'none',
      path: home.runResults,
      reason: 'no dbt run yet (run `dbt build`)',
    });
  });

  it('show the last written bronze object, ignoring keys outside the bronze layout', async () => {
    await writeLake(home.lake);
    const bronze = await get('/api/pipeline/bronze');
    expect(bronze).toMatchObject({
      state: 'ok',
      objects: 2,
      latest: {
        key: BRONZE_KEYS[1],
        topic: 'lakestream.order_items.v1',
        partition: 0,
        start_offset: 42,
        hour: '2018-01-31T21:00Z',
        written_at: '2025-01-02T10:01:00.000Z',
      },
    });
    expect(bronze.latest.uri).toMatch(/^file:\/\/.*\.jsonl\.gz$/);
    expect(bronze.latest.bytes).toBeGreaterThan(0);
  });

  it('show the last silver batch and its data-quality result', async () => {
    const silver = await get('/api/pipeline/silver');
    expect(silver).toEqual({
      state: 'ok',
      batches: 2,
      latest: {
        batch_id: '00000002',
        manifest_key: 'silver/_batches/00000002.json',
        created_at: '2025-01-02T10:00:00.000Z',
        inputs: 1,
        rows: {
          fct_order_items: 9,
          dim_customer: 4,
          dim_product: 4,
          dim_geography: 4,
          dim_date: 4,
        },
        quality: {
          status: 'passed_with_quarantine',
          records_in: 10,
          rows_out: 8,
          rejected: 1,
          superseded: 1,
          checks: [
            { name: 'payload_is_order_item_event', status: 'passed', failing_rows: 0 },
            {
              name: 'order_item_total_non_negative',
              status: 'quarantined',
              failing_rows: 1,
              detail: 'order_item_total < 0',
            },
          ],
        },
        quarantine: { key: 'silver/_quarantine/00000002/rows.jsonl', rows: 1 },
      },
    });
  });

  it('say which manifest breaks the silver contract', async () => {
    const store = openObjectStore(home.lake);
    await store.put('silver/_batches/00000003.json', Buffer.from('{"version":1,"batch_id":"3"}'));
    try {
      const silver = await get('/api/pipeline/silver');
      expect(silver).toMatchObject({
        state: 'invalid',
        manifest_key: 'silver/_batches/00000003.json',
      });
      expect(silver.reason).toMatch(/^not a batch manifest: batch_id: .+ \(and \d+ more\)$/);
    } finally {
      await store.delete('silver/_batches/00000003.json');
    }
  });

  it('show the last dbt run: status, command, elapsed time, when, and what did not pass', async () => {
    await writeRunResults(home.runResults);
    expect(await get('/api/pipeline/dbt')).toEqual({
      state: 'ok',
      path: home.runResults,
      run: {
        status: 'warn',
        command: 'build',
        finished_at: '2025-01-02T10:05:00.123Z',
        elapsed_seconds: 12.75,
        dbt_version: '1.10.13',
        counts: { success: 2, pass: 1, warn: 1 },
        problems: [
          {
            unique_id: 'test.lakestream.source_freshness',
            status: 'warn',
            message: 'Got 1 result, configured to warn if != 0',
          },
        ],
      },
    });
    await writeRunResults(home.runResults, '{"metadata":');
    expect(await get('/api/pipeline/dbt')).toMatchObject({
      state: 'invalid',
      reason: expect.stringContaining('not a dbt run_results.json'),
    });
  });

  it('show the consumer lag as unavailable when Kafka cannot be reached', async () => {
    const lag = await get('/api/pipeline/consumer-lag');
    expect(lag).toEqual({
      state: 'unavailable',
      checked_at: expect.any(String),
      reason: expect.stringMatching(/^Kafka unavailable: /),
    });
  });
});

describe('consumer lag on the real broker', () => {
  const topic = `dashboard-lag-${randomUUID()}`;
  const group = `dashboard-lag-group-${randomUUID()}`;
  const idle = `dashboard-idle-group-${randomUUID()}`;
  const kafka = createKafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId: 'dashboard-test',
    logger: createLogger({ service: 'dashboard-test', level: 'warn' }),
  });
  let home: TempHome;
  let bed: StartedDashboard;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: [
          ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `p0-${i}` })),
          ...Array.from({ length: 3 }, (_, i) => ({ partition: 1, value: `p1-${i}` })),
        ],
      });
      await producer.disconnect();
      // The group has read 3 of partition 0's 5 messages and nothing of partition 1.
      await admin.setOffsets({
        groupId: group,
        topic,
        partitions: [{ partition: 0, offset: '3' }],
      });
    } finally {
      await admin.disconnect();
    }
    home = await makeTempHome();
    bed = await buildDashboard(home, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      DASHBOARD_LAG_GROUPS: `${group}@${topic},${idle}@${topic},${group}@no-such-topic-${randomUUID()}`,
    });
  });
  afterAll(async () => {
    await bed?.close();
    await home?.remove();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([group]).catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('per group: committed offsets against the log end, and groups or topics not there yet', async () => {
    const response = await bed.app.inject({ method: 'GET', url: '/api/pipeline/consumer-lag' });
    expect(response.statusCode).toBe(200);
    const lag = response.json();
    expect(lag.state, JSON.stringify(lag)).toBe('ok');
    expect(lag.groups).toEqual([
      {
        group,
        topic,
        state: 'ok',
        total_lag: 2 + 3,
        partitions: [
          { partition: 0, committed: 3, end: 5, lag: 2 },
          { partition: 1, committed: -1, end: 3, lag: 3 },
        ],
      },
      {
        group: idle,
        topic,
        state: 'no_offsets',
        total_lag: 8,
        partitions: [
          { partition: 0, committed: -1, end: 5, lag: 5 },
          { partition: 1, committed: -1, end: 3, lag: 3 },
        ],
      },
      {
        group,
        topic: expect.stringMatching(/^no-such-topic-/),
        state: 'no_topic',
        total_lag: 0,
        partitions: [],
      },
    ]);
  });
});
