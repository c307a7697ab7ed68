import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { consumerLag, createKafka, ensureTopics, type PartitionLag } from '@lakestream/kafka';
import { createLogger, createMetrics, type LakestreamMetrics } from '@lakestream/observability';
import { type Admin, type Kafka, Partitioners, type Producer } from 'kafkajs';
import pg from 'pg';
import { type AuditSink, type AuditSinkSettings, createAuditSink } from '../../src/audit-sink.js';
import { migrate } from '../../src/migrations.js';
import { createPool } from '../../src/postgres.js';

/** A short random suffix, valid in topic, group and PostgreSQL schema names. */
export function randomSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Test logs stay quiet unless TEST_LOG_LEVEL asks for them. */
export const testLogger = createLogger({
  service: 'audit-sink-test',
  level: (process.env.TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent',
});

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await sleep(intervalMs);
  }
}

/** A sink running in the test process, with its own pool and metrics. */
export interface InProcessSink {
  sink: AuditSink;
  pool: pg.Pool;
  metrics: LakestreamMetrics;
  fatal: unknown[];
  /** The orderly shutdown, in main.ts's order. */
  stop(): Promise<void>;
}

/**
 * One test's own topic (and dead-letter topic), consumer group and PostgreSQL schema, with the
 * helpers to fill them and check the result; `cleanup` removes all of them.
 */
export class TestBed {
  readonly topic: string;
  readonly dlqTopic: string;
  readonly groupId: string;
  readonly schema: string;
  readonly brokers: string[];
  readonly databaseUrl: string;
  readonly kafka: Kafka;
  readonly db: pg.Pool;
  #admin: Admin | undefined;
  #producer: Producer | undefined;
  #sinks: InProcessSink[] = [];

  private constructor(readonly partitions: number) {
    const suffix = randomSuffix();
    this.topic = `test.audit.${suffix}`;
    this.dlqTopic = `test.audit.dlq.${suffix}`;
    this.groupId = `test-audit-${suffix}`;
    this.schema = `bronze_${suffix}`;
    this.brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
    this.databaseUrl = process.env.DATABASE_URL ?? '';
    this.kafka = createKafka({
      brokers: this.brokers,
      clientId: 'audit-sink-test',
      logger: testLogger,
    });
    this.db = new pg.Pool({ connectionString: this.databaseUrl, max: 4 });
    this.db.on('error', () => {});
  }

  /** Creates the topics (the dead-letter one with one partition, to read it in order). */
  static async create(options: { partitions?: number } = {}): Promise<TestBed> {
    const bed = new TestBed(options.partitions ?? 3);
    const admin = bed.kafka.admin();
    await admin.connect();
    bed.#admin = admin;
    await ensureTopics(bed.kafka, [
      { topic: bed.topic, numPartitions: bed.partitions },
      { topic: bed.dlqTopic, numPartitions: 1 },
    ]);
    return bed;
  }

  /** The settings of a sink on this bed, tuned for quick tests (short session, short backoff). */
  settings(overrides: Partial<AuditSinkSettings> = {}): AuditSinkSettings {
    return {
      topic: this.topic,
      dlqTopic: this.dlqTopic,
      groupId: this.groupId,
      schema: this.schema,
      maxBatchRows: 5_000,
      fetchMaxBytesPerPartition: 8 * 1_048_576,
      fetchMaxWaitMs: 200,
      partitionsConcurrency: 2,
      sessionTimeoutMs: 6_000,
      retryBaseMs: 100,
      retryMaxMs: 1_000,
      shutdownGraceMs: 10_000,
      ...overrides,
    };
  }

  /** The environment of a sink child process on this bed. */
  childEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      KAFKA_BROKERS: this.brokers.join(','),
      DATABASE_URL: this.databaseUrl,
      AUDIT_SINK_TOPIC: this.topic,
      AUDIT_SINK_DLQ_TOPIC: this.dlqTopic,
      AUDIT_SINK_GROUP_ID: this.groupId,
      AUDIT_SINK_SCHEMA: this.schema,
      AUDIT_SINK_SESSION_TIMEOUT: '6s',
      AUDIT_SINK_FETCH_MAX_WAIT: '200ms',
      AUDIT_SINK_RETRY_BASE: '100ms',
      AUDIT_SINK_RETRY_MAX: '1s',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...overrides,
    };
  }

  /** Applies the migrations to this bed's schema. */
  async migrate(): Promise<void> {
    await migrate(this.db, { schema: this.schema });
  }

  /** Starts a sink in this process (migrating first, as main.ts does). */
  async startSink(
    overrides: Partial<AuditSinkSettings> = {},
    options: {
      applicationName?: string;
      databaseUrl?: string;
      connectTimeoutMs?: number;
      /** Another Kafka client, e.g. with fewer retries. */
      kafka?: Kafka;
    } = {},
  ): Promise<InProcessSink> {
    await this.migrate();
    const pool = createPool({
      databaseUrl: options.databaseUrl ?? this.databaseUrl,
      max: 4,
      applicationName: options.applicationName ?? `audit-sink-test-${this.groupId}`,
      statementTimeoutMs: 60_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
      logger: testLogger,
    });
    const metrics = createMetrics({ service: 'audit-sink', defaultMetrics: false });
    const fatal: unknown[] = [];
    const sink = createAuditSink({
      settings: this.settings(overrides),
      kafka: options.kafka ?? this.kafka,
      pool,
      logger: testLogger,
      metrics,
      onFatal: (err) => fatal.push(err),
    });
    let stopping: Promise<void> | undefined;
    const running: InProcessSink = {
      sink,
      pool,
      metrics,
      fatal,
      stop() {
        stopping ??= (async () => {
          sink.stopIntake();
          await sink.flush();
          await sink.commit();
          await sink.close();
          await pool.end();
        })();
        return stopping;
      },
    };
    this.#sinks.push(running);
    await sink.start();
    return running;
  }

  async producer(): Promise<Producer> {
    if (!this.#producer) {
      // Keyed like the producer service (the Java client's partitioner); idempotent, so that a
      // retried request cannot add a message twice and break the tests' counts.
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.#producer = producer;
    }
    return this.#producer;
  }

  /** Produces the messages in order, `chunk` per request; resolves when all are acknowledged. */
  async produce(
    messages: readonly { key: string | Buffer | null; value: string | Buffer | null }[],
    options: { chunk?: number; topic?: string } = {},
  ): Promise<void> {
    const producer = await this.producer();
    const chunk = options.chunk ?? 1_000;
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({
        topic: options.topic ?? this.topic,
        acks: -1,
        messages: messages.slice(i, i + chunk).map((m) => ({ key: m.key, value: m.value })),
      });
    }
  }

  /** Number of rows in the bed's table. */
  async rowCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${this.schema}".order_item_events`,
    );
    return Number(rows[0]!.n);
  }

  /** Rows, distinct (partition, offset) positions, and whether every row is of the bed's topic. */
  async positions(): Promise<{ rows: number; distinct: number; otherTopics: number }> {
    const { rows } = await this.db.query<{ rows: string; distinct: string; other: string }>(
      `SELECT count(*) AS rows,
              count(DISTINCT (partition, "offset")) AS distinct,
              count(*) FILTER (WHERE topic <> $1) AS other
         FROM "${this.schema}".order_item_events`,
      [this.topic],
    );
    return {
      rows: Number(rows[0]!.rows),
      distinct: Number(rows[0]!.distinct),
      otherTopics: Number(rows[0]!.other),
    };
  }

  /** The group's committed offsets and the log ends, per partition. */
  async committed(): Promise<PartitionLag[]> {
    return consumerLag(this.kafka, this.groupId, this.topic);
  }

  /** Waits until the group has committed up to the end of every partition. */
  async waitForCommittedToEnd(timeoutMs: number): Promise<PartitionLag[]> {
    return waitFor(
      'offsets committed to the end of the topic',
      async () => {
        const lags = await this.committed();
        return lags.every((p) => p.committed === p.end) && lags;
      },
      timeoutMs,
      250,
    );
  }

  /**
   * The promise behind every commit: each committed offset is covered by rows in PostgreSQL.
   * With only good messages in the topic (offsets 0… with no gaps), a committed offset `c` on a
   * partition means rows for offsets 0…c-1 must all be there. Returns the partitions that break it.
   */
  async committedButMissing(): Promise<{ partition: number; committed: number; rows: number }[]> {
    const lags = await this.committed();
    const broken: { partition: number; committed: number; rows: number }[] = [];
    for (const { partition, committed } of lags) {
      if (committed <= 0) continue;
      const { rows } = await this.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM "${this.schema}".order_item_events
          WHERE topic = $1 AND partition = $2 AND "offset" < $3`,
        [this.topic, partition, committed],
      );
      if (Number(rows[0]!.n) !== committed) {
        broken.push({ partition, committed, rows: Number(rows[0]!.n) });
      }
    }
    return broken;
  }

  /**
   * Deletes the topic and the group's offsets, then creates the topic again: its offsets start at
   * 0 once more, as after Kafka's data was wiped. Topic deletion is asynchronous, so creation
   * waits until the broker has let go of the old one: `ensureTopics` would take a topic still
   * listed for the new one and create nothing.
   */
  async recreateTopic(): Promise<void> {
    const admin = this.#admin!;
    await admin.deleteTopics({ topics: [this.topic] });
    await admin.deleteGroups([this.groupId]).catch(() => {});
    await waitFor(
      `topic ${this.topic} deleted`,
      async () => !(await admin.listTopics()).includes(this.topic),
      30_000,
      250,
    );
    await ensureTopics(this.kafka, [{ topic: this.topic, numPartitions: this.partitions }]);
  }

  /** The id of the Kafka cluster the bed's topics live in. */
  async clusterId(): Promise<string> {
    return (await this.#admin!.describeCluster()).clusterId;
  }

  /** Reads `count` records of a topic from the beginning (a throw-away group). */
  async readTopic(
    topic: string,
    count: number,
    timeoutMs = 20_000,
  ): Promise<{ key: string | null; value: string; headers: Record<string, string> }[]> {
    const groupId = `test-audit-reader-${randomSuffix()}`;
    const consumer = this.kafka.consumer({ groupId });
    const records: { key: string | null; value: string; headers: Record<string, string> }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            headers[name] = String(value);
          }
          records.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            headers,
          });
        },
      });
      await waitFor(`${count} records on ${topic}`, async () => records.length >= count, timeoutMs);
      return records;
    } finally {
      await consumer.disconnect();
      await this.#admin?.deleteGroups([groupId]).catch(() => {});
    }
  }

  /** Stops the sinks still running, drops the schema and deletes the topics. */
  async cleanup(): Promise<void> {
    for (const sink of this.#sinks) await sink.stop().catch(() => {});
    await this.#producer?.disconnect();
    await this.db.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    await this.db.end();
    await this.#admin?.deleteTopics({ topics: [this.topic, this.dlqTopic] }).catch(() => {});
    await this.#admin?.deleteGroups([this.groupId]).catch(() => {});
    await this.#admin?.disconnect();
  }
}
