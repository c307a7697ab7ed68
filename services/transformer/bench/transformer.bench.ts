// The transformer's batch on generated bronze objects, beside the same star-schema SQL run
// directly in one DuckDB session over the same files, writing the same Parquet – the practical
// limit. Figures are printed, never asserted.
//
//   pnpm --filter @lakestream/transformer bench
//   (BENCH_EVENTS=1000000 BENCH_SMALL_EVENTS=180519 BENCH_RUNS=2 to change sizes and runs)
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { generateOrderItems } from '@lakestream/datagen';
import { ensureStack } from '@lakestream/devstack';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { bronzeObjectKey } from '@lakestream/lake';
import { createLocalStore, listAll } from '@lakestream/object-store';
import { createLogger, createMetrics } from '@lakestream/observability';
import { parseOrderItemRow } from '@lakestream/schema';
import { SILVER_TABLE_NAMES, SILVER_TABLES } from '@lakestream/silver';
import {
  copyTableSql,
  createTableSql,
  createTransformer,
  createTypedSql,
  createWinnersSql,
  insertTypedSql,
  openDuckdb,
  type PublishedOutcome,
  withTransformerMetrics,
} from '../src/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SMALL_EVENTS = Number(process.env.BENCH_SMALL_EVENTS ?? 180_519);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const PARTITIONS = 3;
/** Records per object: the bronze sink's default BRONZE_SINK_MAX_RECORDS. */
const OBJECT_RECORDS = 50_000;
/** The bronze sink's default BRONZE_SINK_GZIP_LEVEL. */
const GZIP_LEVEL = 3;
const BATCH_ID = '00000001';

const gzipAsync = promisify(gzip);
const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const stack = await ensureStack({ services: ['kafka'], progress: say });
const logger = createLogger({ service: 'transformer-bench', level: 'warn' });
const kafka = createKafka({
  brokers: stack.env.KAFKA_BROKERS!.split(','),
  clientId: 'transformer-bench',
  logger,
});
const work = join(tmpdir(), `transformer-bench-${randomUUID().slice(0, 8)}`);
const topics: string[] = [];
const groups: string[] = [];

interface Dataset {
  topic: string;
  root: string;
  paths: string[];
  gzipBytes: number;
  jsonBytes: number;
  bronzeGroupId: string;
}

/**
 * Writes `count` datagen events as bronze objects of the sink's format straight to the disk
 * (partitioned by Order Id, 50,000 records per object), and commits the offsets for a bronze
 * group, so that discovery by listing takes them all as committed.
 */
async function generate(count: number, name: string): Promise<Dataset> {
  const topic = `bench.order_items.${randomUUID().slice(0, 7)}`;
  const root = join(work, name);
  const bronzeGroupId = `bench-bronze-${randomUUID()}`;
  const offsets = new Map<number, number>();
  const buffers = new Map<number, { lines: string[]; firstMs: number }>();
  const paths: string[] = [];
  let gzipBytes = 0;
  let jsonBytes = 0;
  const pending: Promise<void>[] = [];
  const startMs = Date.UTC(2025, 0, 1, 10, 0);
  const flush = (partition: number) => {
    const buffer = buffers.get(partition);
    if (!buffer || buffer.lines.length === 0) return;
    buffers.delete(partition);
    const start = offsets.get(partition) ?? 0;
    offsets.set(partition, start + buffer.lines.length);
    const key = bronzeObjectKey(topic, partition, start, buffer.firstMs);
    const text = buffer.lines.map((line, i) => line.replace('\u0000', String(start + i))).join('');
    jsonBytes += Buffer.byteLength(text);
    const path = join(root, key);
    paths.push(path);
    pending.push(
      (async () => {
        const body = await gzipAsync(text, { level: GZIP_LEVEL });
        gzipBytes += body.length;
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, body);
      })(),
    );
  };
  let row = 0;
  for (const fields of generateOrderItems({ rows: count, seed: 42 })) {
    row++;
    const parsed = parseOrderItemRow(fields, {
      file: 'bench.csv',
      row,
      ingestedAt: '2025-01-01T00:00:00.000Z',
    });
    if (!parsed.ok) throw new Error(`row ${row} does not parse`);
    const event = parsed.event;
    const partition = event.order_id % PARTITIONS;
    // Kafka timestamps 2 ms apart: about half an hour per million, inside one hour.
    const timestampMs = startMs + row * 2;
    let buffer = buffers.get(partition);
    if (!buffer) {
      buffer = { lines: [], firstMs: timestampMs };
      buffers.set(partition, buffer);
    }
    // The offset is filled in at flush time (placeholder \u0000).
    buffer.lines.push(
      `{"topic":"${topic}","partition":${partition},"offset":\u0000,"timestamp":"${new Date(timestampMs).toISOString()}","key":"${event.order_id}","headers":{},"value_encoding":"json","value":${JSON.stringify(event)}}\n`,
    );
    if (buffer.lines.length >= OBJECT_RECORDS) flush(partition);
    if (pending.length > 4) await Promise.all(pending.splice(0));
  }
  for (const partition of [...buffers.keys()]) flush(partition);
  await Promise.all(pending);

  await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
  topics.push(topic);
  groups.push(bronzeGroupId);
  const producer = kafka.producer({
    transactionalId: `${bronzeGroupId}.bench`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.sendOffsets({
    consumerGroupId: bronzeGroupId,
    topics: [
      {
        topic,
        partitions: [...offsets].map(([partition, offset]) => ({
          partition,
          offset: String(offset),
        })),
      },
    ],
  });
  await transaction.commit();
  await producer.disconnect();
  return { topic, root, paths: paths.sort(), gzipBytes, jsonBytes, bronzeGroupId };
}

/** Wall and CPU milliseconds of `work` (CPU: the whole process, DuckDB's threads included). */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; cpuMs: number; result: T }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, result };
}

/** One transformer batch over a fresh copy of silver (bronze shared, silver removed before). */
async function runTransformer(data: Dataset): Promise<PublishedOutcome> {
  await rm(join(data.root, 'silver'), { recursive: true, force: true });
  const metrics = withTransformerMetrics(
    createMetrics({ service: 'transformer-bench', defaultMetrics: false }),
  );
  const transformer = createTransformer({
    settings: {
      sourceTopic: data.topic,
      manifestTopic: 'unused',
      bronzeGroupId: data.bronzeGroupId,
      discover: 'listing',
      discoveryTimeoutMs: 60_000,
      workDir: join(work, 'scratch'),
      kafkaClientId: 'transformer-bench',
    },
    store: createLocalStore(data.root),
    localRoot: data.root,
    kafka,
    logger,
    metrics,
  });
  const outcome = await transformer.runBatch();
  if (outcome.kind !== 'published') throw new Error('the transformer found nothing to do');
  return outcome;
}

/** The same SQL, run directly: read every file, build the tables, COPY each to Parquet. */
async function runDirect(data: Dataset): Promise<string> {
  const dir = join(work, `direct-${randomUUID().slice(0, 8)}`);
  const session = await openDuckdb({ tempDirectory: join(work, 'scratch', 'duckdb') });
  try {
    await session.run(
      createTypedSql(),
      insertTypedSql(data.paths, 'struct'),
      ...createWinnersSql(),
    );
    for (const table of SILVER_TABLE_NAMES) await session.run(createTableSql(table, BATCH_ID));
    for (const table of SILVER_TABLE_NAMES) {
      const partitionBy = SILVER_TABLES[table].partitionBy;
      if (partitionBy === undefined) {
        await mkdir(join(dir, table), { recursive: true });
        await session.run(copyTableSql(table, join(dir, table, 'part.parquet')));
        continue;
      }
      const months = await session.rows(
        `SELECT DISTINCT strftime(${partitionBy}, '%Y-%m-%d') AS m FROM ${table} ORDER BY m`,
      );
      for (const { m } of months) {
        await mkdir(join(dir, table, `${partitionBy}=${m}`), { recursive: true });
        await session.run(
          copyTableSql(table, join(dir, table, `${partitionBy}=${m}`, 'part.parquet'), String(m)),
        );
      }
    }
  } finally {
    session.close();
  }
  return dir;
}

/** Whether the transformer's files hold the same bytes as the direct run's. */
async function sameBytes(data: Dataset, outcome: PublishedOutcome, dir: string): Promise<boolean> {
  for (const table of SILVER_TABLE_NAMES) {
    for (const file of outcome.manifest.tables[table]!.files) {
      const mine = await readFile(join(data.root, file.key));
      const folder =
        file.order_month === undefined ? table : `${table}/order_month=${file.order_month}`;
      const direct = await readFile(join(dir, folder, 'part.parquet'));
      if (!mine.equals(direct)) return false;
    }
  }
  return true;
}

const fmt = (n: number) => n.toLocaleString('en');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (records: number, ms: number) => `${fmt(Math.round((records / ms) * 1000))} records/s`;

async function measure(count: number, name: string, runs: number) {
  say(`generating ${fmt(count)} events as bronze objects (gzip -${GZIP_LEVEL}) …`);
  const generated = performance.now();
  const data = await generate(count, name);
  say(
    `generated ${data.paths.length} objects, ${(data.gzipBytes / 1_048_576).toFixed(1)} MB gzip (${(data.jsonBytes / 1_048_576).toFixed(0)} MB of JSON lines) in ${secs(performance.now() - generated)}`,
  );
  const runsOf = { transformer: [] as number[], direct: [] as number[] };
  const cpuOf = { transformer: [] as number[], direct: [] as number[] };
  let last: { outcome: PublishedOutcome; dir: string } | undefined;
  for (let run = 1; run <= runs; run++) {
    // Alternate which goes first, so neither always meets a warmer or a colder machine.
    const order = run % 2 === 1 ? ['transformer', 'direct'] : ['direct', 'transformer'];
    let outcome: PublishedOutcome | undefined;
    let dir: string | undefined;
    for (const which of order) {
      if (which === 'transformer') {
        const t = await timed(() => runTransformer(data));
        runsOf.transformer.push(t.ms);
        cpuOf.transformer.push(t.cpuMs);
        outcome = t.result;
      } else {
        const d = await timed(() => runDirect(data));
        runsOf.direct.push(d.ms);
        cpuOf.direct.push(d.cpuMs);
        dir = d.result;
      }
    }
    if (last) await rm(last.dir, { recursive: true, force: true });
    last = { outcome: outcome!, dir: dir! };
    say(
      `${fmt(count)} run ${run}: transformer ${secs(runsOf.transformer.at(-1)!)} (CPU ${secs(cpuOf.transformer.at(-1)!)}, read ${outcome!.readMode}), direct SQL ${secs(runsOf.direct.at(-1)!)} (CPU ${secs(cpuOf.direct.at(-1)!)}); load average ${loadavg()[0]!.toFixed(1)}`,
    );
  }
  const identical = await sameBytes(data, last!.outcome, last!.dir);
  const silver = await listAll(createLocalStore(data.root), 'silver/');
  const q = last!.outcome.manifest.quality;
  return {
    count,
    data,
    transformerMs: Math.min(...runsOf.transformer),
    directMs: Math.min(...runsOf.direct),
    transformerCpuMs: Math.min(...cpuOf.transformer),
    directCpuMs: Math.min(...cpuOf.direct),
    identical,
    rowsOut: q.rows_out,
    silverBytes: silver.reduce((sum, o) => sum + o.size, 0),
    tables: SILVER_TABLE_NAMES.map(
      (t) => `${t} ${fmt(last!.outcome.manifest.tables[t]!.rows)}`,
    ).join(', '),
    files: silver.length,
  };
}

try {
  const results = [];
  for (const [count, name] of [
    [EVENTS, 'large'],
    [SMALL_EVENTS, 'small'],
  ] as const) {
    if (count > 0) results.push(await measure(count, name, RUNS));
    await rm(join(work, name), { recursive: true, force: true });
  }
  console.log(
    `\ntransformer vs the same SQL run directly in DuckDB: bronze objects of ${fmt(OBJECT_RECORDS)} records (gzip JSON lines, ${PARTITIONS} partitions) on the local disk → silver Parquet (zstd); best of ${RUNS} runs (alternating which goes first) on ${cpus().length} CPUs, @duckdb/node-api 1.4.5-r.1`,
  );
  for (const r of results) {
    console.log(
      `  ${fmt(r.count)} events (${r.data.paths.length} objects, ${(r.data.gzipBytes / 1_048_576).toFixed(0)} MB gzip) → ${fmt(r.rowsOut)} fact rows, ${r.files} files (${(r.silverBytes / 1_048_576).toFixed(1)} MB): ${r.tables}`,
    );
    console.log(
      `    transformer  ${secs(r.transformerMs)}  ${rate(r.count, r.transformerMs)}  CPU ${secs(r.transformerCpuMs)}  (listing, read, clean, dedupe, star schema, quality gate, staging → promote, manifest)`,
    );
    console.log(
      `    direct SQL   ${secs(r.directMs)}  ${rate(r.count, r.directMs)}  CPU ${secs(r.directCpuMs)}  (the same statements in one session, COPY straight to Parquet)`,
    );
    console.log(
      `    ratio (transformer / direct): ${(r.transformerMs / r.directMs).toFixed(2)}× wall, ${(r.transformerCpuMs / r.directCpuMs).toFixed(2)}× CPU; Parquet byte-identical to the direct run: ${r.identical ? 'yes' : 'NO'}`,
    );
  }
} finally {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.deleteGroups(groups).catch(() => {});
  await admin.disconnect();
  await rm(work, { recursive: true, force: true });
  await stack.stop();
}
