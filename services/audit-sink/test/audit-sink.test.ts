import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '@lakestream/kafka';
import { type DeadLetterRecord, parseDeadLetter } from '@lakestream/lake';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue } from './support/metric-value.js';
import { orderItemEvents, toMessage } from './support/order-item-events.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { TestBed, testLogger, waitFor } from './support/test-bed.js';

let bed: TestBed | undefined;

afterEach(async () => {
  await bed?.cleanup();
  bed = undefined;
});

describe('audit sink (real Kafka and PostgreSQL)', () => {
  it('writes every message exactly once, with the typed columns of its event', async () => {
    bed = await TestBed.create({ partitions: 3 });
    const events = orderItemEvents(2_000);
    await bed.produce(events.map(toMessage));
    const running = await bed.startSink();

    await bed.waitForCommittedToEnd(30_000);
    expect(await bed.positions()).toEqual({ rows: 2_000, distinct: 2_000, otherTopics: 0 });
    expect(await bed.committedButMissing()).toEqual([]);

    const { rows } = await bed.db.query(
      `SELECT partition, "offset", key, payload, order_item_id, order_id, order_status,
              order_date, ingested_at, kafka_timestamp, loaded_at
         FROM "${bed.schema}".order_item_events ORDER BY order_item_id`,
    );
    expect(rows).toHaveLength(2_000);
    expect(new Set(rows.map((r) => r.partition)).size).toBe(3);
    for (const [i, row] of rows.entries()) {
      const event = events[i]!;
      expect(row.payload).toEqual(event);
      expect(row.key).toBe(String(event.order_id));
      expect(Number(row.order_item_id)).toBe(event.order_item_id);
      expect(Number(row.order_id)).toBe(event.order_id);
      expect(row.order_status).toBe(event.order_status);
      expect((row.order_date as Date).toISOString()).toBe(event.order_date);
      expect((row.ingested_at as Date).toISOString()).toBe(event.ingested_at);
      expect(row.kafka_timestamp).toBeInstanceOf(Date);
      expect(row.loaded_at).toBeInstanceOf(Date);
    }
    // All items of an order share a partition, in the order they were produced.
    const byOrder = new Map<number, { partition: number; offset: bigint }[]>();
    for (const row of rows) {
      const list = byOrder.get(Number(row.order_id)) ?? [];
      list.push({ partition: row.partition, offset: BigInt(row.offset) });
      byOrder.set(Number(row.order_id), list);
    }
    for (const items of byOrder.values()) {
      expect(new Set(items.map((i) => i.partition)).size).toBe(1);
      expect(items.every((item, i) => i === 0 || item.offset > items[i - 1]!.offset)).toBe(true);
    }

    const sent = await metricValue(running.metrics, 'lakestream_component_sent_events_total');
    const received = await metricValue(
      running.metrics,
      'lakestream_component_received_events_total',
    );
    expect({ sent, received }).toEqual({ sent: 2_000, received: 2_000 });
    await running.sink.checkReady();
    expect(running.fatal).toEqual([]);
  });

  it('keeps every version of a replayed order item once, and the view shows the latest', async () => {
    bed = await TestBed.create({ partitions: 3 });
    const first = orderItemEvents(1_000, { status: 'PENDING' });
    const second = orderItemEvents(1_000, {
      status: 'COMPLETE',
      ingestedAt: '2024-05-02T08:00:00.000Z',
    });
    await bed.produce(first.map(toMessage));
    await bed.startSink();
    await bed.waitForCommittedToEnd(30_000);
    expect(await bed.rowCount()).toBe(1_000);

    // The same rows again (new offsets), now with a changed status.
    await bed.produce(second.map(toMessage));
    await bed.waitForCommittedToEnd(30_000);
    expect(await bed.positions()).toEqual({ rows: 2_000, distinct: 2_000, otherTopics: 0 });

    const latest = await bed.db.query<{
      order_item_id: string;
      order_status: string;
      ingested_at: Date;
      offset: string;
      versions: string;
      max_offset: string;
    }>(
      `SELECT l.order_item_id, l.order_status, l.ingested_at, l."offset",
              (SELECT count(*) FROM "${bed.schema}".order_item_events e
                WHERE e.order_item_id = l.order_item_id) AS versions,
              (SELECT max("offset") FROM "${bed.schema}".order_item_events e
                WHERE e.order_item_id = l.order_item_id) AS max_offset
         FROM "${bed.schema}".order_items_latest l`,
    );
    expect(latest.rows).toHaveLength(1_000);
    expect(new Set(latest.rows.map((r) => r.order_item_id)).size).toBe(1_000);
    for (const row of latest.rows) {
      expect(row.order_status).toBe('COMPLETE');
      expect(row.ingested_at.toISOString()).toBe('2024-05-02T08:00:00.000Z');
      expect(row.versions).toBe('2');
      expect(row.offset).toBe(row.max_offset);
    }
  });

  it('inserts nothing twice when the group re-reads offsets it already wrote', async () => {
    bed = await TestBed.create({ partitions: 3 });
    await bed.produce(orderItemEvents(1_500).map(toMessage));
    const firstRun = await bed.startSink();
    await bed.waitForCommittedToEnd(30_000);
    await firstRun.stop();
    expect(await bed.rowCount()).toBe(1_500);

    // Rewind the group to the start of every partition, as an operator replaying would.
    const admin = bed.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: bed.groupId, topic: bed.topic, earliest: true });
    await admin.disconnect();

    const secondRun = await bed.startSink();
    await waitFor(
      'the rewound group to re-read everything',
      async () =>
        (await metricValue(secondRun.metrics, 'lakestream_component_received_events_total')) ===
        1_500,
      30_000,
    );
    await bed.waitForCommittedToEnd(30_000);
    expect(await bed.positions()).toEqual({ rows: 1_500, distinct: 1_500, otherTopics: 0 });
    expect(
      await metricValue(secondRun.metrics, 'lakestream_component_discarded_events_total', {
        reason: 'duplicate',
      }),
    ).toBe(1_500);
    expect(await metricValue(secondRun.metrics, 'lakestream_component_sent_events_total')).toBe(0);
    // An identical replay is no conflict.
    expect(
      await metricValue(secondRun.metrics, 'lakestream_component_errors_total', {
        code: 'LS_AUDIT_KEY_CONFLICT',
      }),
    ).toBe(0);
  });

  it('sends poison messages to the dead-letter topic with reason and position, and writes the rest', async () => {
    bed = await TestBed.create({ partitions: 1 });
    const good = orderItemEvents(6).map(toMessage);
    const event = orderItemEvents(1, { firstItemId: 500 })[0]!;
    const withField = (patch: Record<string, unknown>) => JSON.stringify({ ...event, ...patch });
    const { order_item_id: _drop, ...withoutItemId } = event;
    const poison: { value: string | Buffer; code: string; reason: RegExp }[] = [
      { value: 'this is not json', code: 'LS_AUDIT_NOT_JSON', reason: /not JSON/ },
      {
        value: withField({ schema_version: 99 }),
        code: 'LS_AUDIT_SCHEMA_VERSION',
        reason: /schema_version 99 is not supported \(expected 1\)/,
      },
      {
        value: withField({ schema_version: undefined }),
        code: 'LS_AUDIT_SCHEMA_VERSION',
        reason: /schema_version is missing/,
      },
      { value: '[1,2,3]', code: 'LS_AUDIT_NOT_OBJECT', reason: /an array/ },
      {
        value: JSON.stringify(withoutItemId),
        code: 'LS_AUDIT_MISSING_FIELD',
        reason: /order_item_id is missing/,
      },
      {
        value: withField({ order_date: '2018-02-30T10:00:00.000Z' }),
        code: 'LS_AUDIT_INVALID_FIELD',
        reason: /order_date/,
      },
      {
        value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
        code: 'LS_AUDIT_NOT_UTF8',
        reason: /UTF-8/,
      },
      {
        value: withField({ customer_fname: 'nul\u0000byte' }),
        code: 'LS_AUDIT_UNSUPPORTED_JSON',
        reason: /\\u0000/,
      },
      {
        // Passes every check of the sink but not PostgreSQL's numeric range: found by splitting.
        value: withField({ sales: 0 }).replace('"sales":0', '"sales":1e1000000'),
        code: 'LS_AUDIT_REJECTED_BY_POSTGRES',
        reason: /PostgreSQL refused the row \(22003\)/,
      },
    ];
    // good, poison, good, poison, … so every bad message sits between good ones.
    const messages: { key: string; value: string | Buffer }[] = [];
    const expectedPoisonOffsets: string[] = [];
    for (const [i, bad] of poison.entries()) {
      messages.push(good[i % good.length]!);
      expectedPoisonOffsets.push(String(messages.length));
      messages.push({ key: 'bad', value: bad.value });
    }
    messages.push(...good);
    await bed.produce(messages);
    const running = await bed.startSink();

    await bed.waitForCommittedToEnd(30_000);
    const goodCount = messages.length - poison.length;
    expect(await bed.rowCount()).toBe(goodCount);
    const dead = await bed.readTopic(bed.dlqTopic, poison.length);
    expect(dead).toHaveLength(poison.length);
    const bodies = dead.map((record) => parseDeadLetter(record.value));
    const offsetOf = (r: DeadLetterRecord) =>
      r.source.kind === 'topic' ? Number(r.source.offset) : Number.NaN;
    bodies.sort((a, b) => offsetOf(a) - offsetOf(b));
    for (const [i, body] of bodies.entries()) {
      const bad = poison[i]!;
      expect(body.source).toEqual({
        kind: 'topic',
        topic: bed.topic,
        partition: 0,
        offset: expectedPoisonOffsets[i],
      });
      expect(body.reasons).toHaveLength(1);
      expect(body.reasons[0]!.code).toBe(bad.code);
      expect(body.reasons[0]!.message).toMatch(bad.reason);
      expect(body.component).toBe('audit-sink');
      expect(Number.isNaN(Date.parse(body.failed_at))).toBe(false);
      const raw = Buffer.isBuffer(bad.value) ? bad.value : Buffer.from(bad.value);
      expect(Buffer.from(body.raw!, body.raw_encoding === 'base64' ? 'base64' : 'utf8')).toEqual(
        raw,
      );
    }
    const headers = dead.find((r) => r.headers['lakestream-error-code'] === 'LS_AUDIT_NOT_JSON')!;
    expect(headers.headers).toMatchObject({
      'lakestream-source-topic': bed.topic,
      'lakestream-source-partition': '0',
      'lakestream-source-offset': expectedPoisonOffsets[0],
      'lakestream-component': 'audit-sink',
    });
    expect(headers.key).toBe('bad');
    expect(
      await metricValue(running.metrics, 'lakestream_component_discarded_events_total', {
        reason: 'LS_AUDIT_SCHEMA_VERSION',
      }),
    ).toBe(2);
    expect(running.fatal).toEqual([]);
  });

  it('rides out a locked table, killed connections and an unreachable PostgreSQL without loss or duplicates', async () => {
    bed = await TestBed.create({ partitions: 3 });
    const target = new URL(bed.databaseUrl);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(bed.databaseUrl);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const applicationName = `audit-sink-outage-${bed.groupId}`.slice(0, 63);
    const running = await bed.startSink(
      { maxBatchRows: 250 },
      { databaseUrl: viaProxy.toString(), applicationName, connectTimeoutMs: 1_000 },
    );

    // The promise under test, checked all along: nothing committed that is not written.
    const violations: unknown[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        violations.push(...(await bed!.committedButMissing()));
        await sleep(150);
      }
    })();

    const total = 6_000;
    const events = orderItemEvents(total).map(toMessage);
    const producing = (async () => {
      for (let i = 0; i < total; i += 200) {
        await bed!.produce(events.slice(i, i + 200));
        await sleep(200);
      }
    })();
    await waitFor('the first rows', async () => (await bed!.rowCount()) > 0, 20_000);

    // 1. Slow: a lock holds every write for 2.5 s.
    const locker = new pg.Client({ connectionString: bed.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${bed.schema}".order_item_events IN ACCESS EXCLUSIVE MODE`);
    // Counted in the locking transaction: any other session would wait for the lock too.
    const table = `"${bed.schema}".order_item_events`;
    const countLocked = async () =>
      Number((await locker.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const lockedAt = await countLocked();
    await sleep(2_500);
    expect(await countLocked()).toBe(lockedAt);
    await locker.query('COMMIT');
    await locker.end();
    await waitFor('writes after the lock', async () => (await bed!.rowCount()) > lockedAt, 10_000);

    // 2. Dropped: the server terminates the sink's sessions, twice.
    for (let round = 0; round < 2; round++) {
      await bed.db.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      await sleep(400);
    }

    // 3. Unreachable: connections refused and cut for 3 s; readiness says so.
    await proxy.down();
    const downAt = await bed.rowCount();
    expect(downAt).toBeLessThan(total); // the outage happens with work still to do
    await expect(running.sink.checkReady()).rejects.toThrow();
    await sleep(3_000);
    expect(await bed.rowCount()).toBe(downAt);
    await proxy.up();

    await producing;
    await bed.waitForCommittedToEnd(60_000);
    watching = false;
    await watcher;
    expect(violations).toEqual([]);
    expect(await bed.positions()).toEqual({ rows: total, distinct: total, otherTopics: 0 });
    await running.sink.checkReady();
    expect(
      await metricValue(running.metrics, 'lakestream_component_errors_total', {
        code: 'LS_AUDIT_PG_UNAVAILABLE',
      }),
    ).toBeGreaterThan(0);
    expect(running.fatal).toEqual([]);
    await running.stop();
    await proxy.close();
  });

  it('stops promptly while PostgreSQL is down, committing nothing it could not write', async () => {
    bed = await TestBed.create({ partitions: 3 });
    const target = new URL(bed.databaseUrl);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(bed.databaseUrl);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const events = orderItemEvents(1_000).map(toMessage);
    await bed.produce(events.slice(0, 500));
    const first = await bed.startSink({}, { databaseUrl: viaProxy.toString() });
    await bed.waitForCommittedToEnd(30_000);

    await proxy.down();
    await bed.produce(events.slice(500));
    await waitFor(
      'write retries',
      async () =>
        (await metricValue(first.metrics, 'lakestream_component_errors_total', {
          code: 'LS_AUDIT_PG_UNAVAILABLE',
        })) > 0,
      20_000,
    );
    const stopStarted = Date.now();
    first.sink.stopIntake();
    await first.sink.flush();
    await first.sink.commit();
    await first.sink.close();
    expect(Date.now() - stopStarted).toBeLessThan(5_000);
    await first.pool.end();
    expect(await bed.committedButMissing()).toEqual([]);
    expect((await bed.committed()).reduce((sum, p) => sum + p.committed, 0)).toBe(500);

    await proxy.up();
    await bed.startSink({}, { databaseUrl: viaProxy.toString() });
    await bed.waitForCommittedToEnd(30_000);
    expect(await bed.positions()).toEqual({ rows: 1_000, distinct: 1_000, otherTopics: 0 });
    await proxy.close();
  });

  it('stops for good, committing nothing, on a failure retrying cannot fix (table dropped)', async () => {
    bed = await TestBed.create({ partitions: 1 });
    const events = orderItemEvents(400).map(toMessage);
    await bed.produce(events.slice(0, 300));
    // kafkajs retries a failing batch before giving up; fewer retries keep the test short.
    const kafka = createKafka({
      brokers: bed.brokers,
      clientId: 'audit-sink-test-fatal',
      logger: testLogger,
      overrides: { retry: { initialRetryTime: 50, maxRetryTime: 200, retries: 2 } },
    });
    const running = await bed.startSink({}, { kafka });
    await bed.waitForCommittedToEnd(30_000);

    await bed.db.query(`DROP TABLE "${bed.schema}".order_item_events CASCADE`);
    await bed.produce(events.slice(300));
    await waitFor('the sink to give up', async () => running.fatal.length > 0, 30_000);
    expect(running.fatal[0]).toMatchObject({ code: 'LS_AUDIT_PG_FAILED', retryable: false });
    expect((running.fatal[0] as Error).message).toMatch(/does not exist/);
    expect((await bed.committed())[0]!.committed).toBe(300);
    await running.stop();
  });
});
