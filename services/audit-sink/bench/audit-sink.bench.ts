/**
 * Benchmark: the audit sink consuming 180,519 OrderItemEvent messages from Kafka into PostgreSQL,
 * beside the reference – `psql \copy` of the same rows from a CSV file into an identical table.
 *
 *   pnpm --filter @lakestream/audit-sink bench            (BENCH_ROWS=… to change the count)
 *
 * Brings up Kafka and PostgreSQL with the devstack when they are not running. Prints figures;
 * asserts nothing. The sink runs with its default configuration (any AUDIT_SINK_* variable set in
 * the environment applies), in this process.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { loadConfig } from '@lakestream/config';
import { ensurePostgresBinaries, ensureStack } from '@lakestream/devstack';
import { consumerLag, createKafka, ensureTopics } from '@lakestream/kafka';
import { createLogger, createMetrics } from '@lakestream/observability';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import { createAuditSink } from '../src/audit-sink.js';
import { auditSinkConfig } from '../src/config.js';
import { migrate } from '../src/migrations.js';
import { createPool } from '../src/postgres.js';
import { orderItemEvents, toMessage } from '../test/support/order-item-events.js';
import { randomSuffix } from '../test/support/test-bed.js';

const run = promisify(execFile);
const ROWS = Number(process.env.BENCH_ROWS ?? 180_519);
const log = (line: string) => process.stdout.write(`${line}\n`);
const perSecond = (rows: number, ms: number) => Math.round((rows * 1000) / ms).toLocaleString('en');

const stack = await ensureStack({
  services: ['kafka', 'postgres'],
  progress: (m) => process.stderr.write(`[devstack] ${m}\n`),
});
Object.assign(process.env, stack.env);

const suffix = randomSuffix();
const config = loadConfig(auditSinkConfig, {
  ...process.env,
  AUDIT_SINK_TOPIC: `bench.audit.${suffix}`,
  AUDIT_SINK_DLQ_TOPIC: `bench.audit.dlq.${suffix}`,
  AUDIT_SINK_GROUP_ID: `bench-audit-${suffix}`,
  AUDIT_SINK_SCHEMA: `bench_${suffix}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const logger = createLogger({ service: 'audit-sink-bench', level: config.logLevel });
const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'audit-sink-bench', logger });
const db = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
const schema = `"${config.schema}"`;
const dir = await mkdtemp(join(tmpdir(), 'audit-sink-bench-'));

try {
  // 1. The input: a fresh topic holding ROWS messages.
  const events = orderItemEvents(ROWS);
  await ensureTopics(kafka, [{ topic: config.topic, numPartitions: 3 }]);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const produceStarted = performance.now();
  let bytes = 0;
  for (let i = 0; i < ROWS; i += 500) {
    const messages = events.slice(i, i + 500).map(toMessage);
    for (const m of messages) bytes += Buffer.byteLength(m.value);
    await producer.send({ topic: config.topic, acks: -1, messages });
  }
  await producer.disconnect();
  const produceMs = performance.now() - produceStarted;
  log(
    `input: ${ROWS.toLocaleString('en')} messages, ${(bytes / 1_048_576).toFixed(1)} MiB ` +
      `(avg ${Math.round(bytes / ROWS)} B), produced in ${(produceMs / 1000).toFixed(1)} s`,
  );

  // 2. The sink: from start (join included) until every row is in PostgreSQL and committed.
  await migrate(db, { schema: config.schema });
  const pool = createPool({
    databaseUrl: config.databaseUrl,
    max: config.partitionsConcurrency + 2,
    applicationName: 'audit-sink-bench',
    statementTimeoutMs: config.statementTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    logger,
  });
  const metrics = createMetrics({ service: 'audit-sink', defaultMetrics: false });
  const sink = createAuditSink({ settings: config, kafka, pool, logger, metrics });
  const sent = metrics.registry.getSingleMetric('lakestream_component_sent_events_total')!;
  const written = async () => (await sent.get()).values.reduce((s, v) => s + v.value, 0);

  const sinkStarted = performance.now();
  // The sink's own CPU (this process, all its threads) is taken from PostgreSQL on a small machine.
  const cpuBefore = process.cpuUsage();
  await sink.start();
  let firstRowAt: number | undefined;
  while ((await written()) < ROWS) {
    if (firstRowAt === undefined && (await written()) > 0) firstRowAt = performance.now();
    await sleep(20);
  }
  const sinkMs = performance.now() - sinkStarted;
  const cpu = process.cpuUsage(cpuBefore);
  const steadyMs = performance.now() - (firstRowAt ?? sinkStarted);
  const lag = await consumerLag(kafka, config.groupId, config.topic);
  const durations = (
    await metrics.registry.getSingleMetric('lakestream_batch_duration_seconds')!.get()
  ).values;
  const writeSeconds =
    durations.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'))?.value ?? 0;
  const batches =
    durations.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value ??
    0;
  sink.stopIntake();
  await sink.flush();
  await sink.commit();
  await sink.close();
  await pool.end();
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${schema}.order_item_events`);
  if (rows[0].n !== ROWS) throw new Error(`sink wrote ${rows[0].n} rows, expected ${ROWS}`);
  if (lag.some((p) => p.lag !== 0))
    throw new Error(`offsets not all committed: ${JSON.stringify(lag)}`);

  // 3. The reference: the same rows as CSV, loaded by psql \copy into an identical table.
  const csvPath = join(dir, 'rows.csv');
  const positions = await db.query<{
    order_item_id: string;
    partition: number;
    offset: string;
    ts: string;
    cluster_id: string;
  }>(
    `SELECT order_item_id, partition, "offset", kafka_timestamp::text AS ts, cluster_id
       FROM ${schema}.order_item_events`,
  );
  const byItem = new Map(positions.rows.map((r) => [Number(r.order_item_id), r]));
  const csv = createWriteStream(csvPath);
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  for (const event of events) {
    const p = byItem.get(event.order_item_id)!;
    const line = [
      quote(p.cluster_id),
      quote(config.topic),
      p.partition,
      p.offset,
      quote(String(event.order_id)),
      quote(JSON.stringify(event)),
      event.order_item_id,
      event.order_id,
      quote(event.order_status),
      event.order_date,
      event.ingested_at,
      p.ts,
      quote(event.source.file),
      event.source.row,
    ].join(',');
    if (!csv.write(`${line}\n`))
      await new Promise<void>((resolve) => csv.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    csv.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  await db.query(
    `CREATE TABLE ${schema}.reference_events (LIKE ${schema}.order_item_events INCLUDING ALL)`,
  );
  const psql = join(await ensurePostgresBinaries(), 'psql');
  const columns =
    'cluster_id, topic, partition, "offset", key, payload, order_item_id, order_id, order_status, order_date, ingested_at, kafka_timestamp, source_file, source_row';
  const copyStarted = performance.now();
  await run(psql, [
    config.databaseUrl,
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `\\copy ${schema}.reference_events (${columns}) from '${csvPath}' csv`,
  ]);
  const copyMs = performance.now() - copyStarted;
  const csvBytes = (await stat(csvPath)).size;

  log(
    `audit-sink   ${ROWS.toLocaleString('en')} rows in ${(sinkMs / 1000).toFixed(2)} s = ${perSecond(ROWS, sinkMs)} rows/s (from the first row written: ${perSecond(ROWS, steadyMs)} rows/s)`,
  );
  log(
    `psql \\copy   ${ROWS.toLocaleString('en')} rows in ${(copyMs / 1000).toFixed(2)} s = ${perSecond(ROWS, copyMs)} rows/s (CSV ${(csvBytes / 1_048_576).toFixed(1)} MiB)`,
  );
  log(
    `ratio        ${(copyMs / sinkMs).toFixed(2)} of the reference (${(copyMs / steadyMs).toFixed(2)} from the first row)`,
  );
  log(
    `sink CPU     ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, system ${(cpu.system / 1e6).toFixed(2)}), this process`,
  );
  log(
    `sink time in PostgreSQL writes: ${writeSeconds.toFixed(1)} s over ${batches} transactions (summed over concurrent partitions)`,
  );
  log(
    `settings     partitions=3 concurrency=${config.partitionsConcurrency} maxBatchRows=${config.maxBatchRows} fetchMaxBytesPerPartition=${config.fetchMaxBytesPerPartition}`,
  );
} finally {
  const cleaner = kafka.admin();
  await cleaner.connect();
  await cleaner.deleteTopics({ topics: [config.topic, config.dlqTopic] }).catch(() => {});
  await cleaner.deleteGroups([config.groupId]).catch(() => {});
  await cleaner.disconnect();
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  await db.end();
  await rm(dir, { recursive: true, force: true });
  await stack.stop();
}
