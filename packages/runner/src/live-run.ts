import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONSUMER_GROUPS,
  readTopicToEnd,
  TOPICS,
  topicEnds,
  waitForCommitted,
} from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import { BatchAnnouncementSchema, SilverAppliedSchema } from '@lakestream/silver';
import type { Kafka } from 'kafkajs';
import { withWarehouse } from './batch-counts.js';
import { waitForCatchUp, waitForMembers } from './catch-up.js';
import { type ChildResult, runChild, TS_NODE } from './child-process.js';
import { type DbtServe, startDbtServe } from './dbt-serve.js';
import { followSilverApplied } from './gold-refresh.js';
import { parseMessage } from './json-message.js';
import {
  type BatchTimes,
  type MeasuredRow,
  quantile,
  type StageFigures,
  stageBreakdown,
} from './live-breakdown.js';
import { readBronzeManifests, type StageGroup } from './streaming-counts.js';

/** Options of `runLive`. */
export interface LiveRunOptions {
  file: string;
  /** Rows per second the producer replays at. */
  rate: number;
  /** Stop producing after this long (the stages then drain). */
  durationMs: number;
  root: string;
  home: string;
  warehousePath: string;
  env: NodeJS.ProcessEnv;
  kafka: Kafka;
  logger: Logger;
  /** Longest each stage may take to drain after the producer stops. */
  timeoutMs: number;
  say: (message: string) => void;
  signal?: AbortSignal;
  /** Topic names and consumer groups, when not the contract's (tests); the workers are given them. */
  topics?: LiveTopics;
  groups?: LiveGroups;
}

/** The topics a live run reads and its workers use. */
export interface LiveTopics {
  orderItems: string;
  bronzeFiles: string;
  silverBatches: string;
  silverApplied: string;
}

/** The consumer groups of the stages a live run drains. */
export interface LiveGroups {
  bronzeSink: string;
  transformer: string;
  warehouseLoader: string;
  goldRefresh: string;
}

const CONTRACT_TOPICS: LiveTopics = {
  orderItems: TOPICS.orderItems,
  bronzeFiles: TOPICS.bronzeFiles,
  silverBatches: TOPICS.silverBatches,
  silverApplied: TOPICS.silverApplied,
};

const CONTRACT_GROUPS: LiveGroups = {
  bronzeSink: CONSUMER_GROUPS.bronzeSink,
  transformer: CONSUMER_GROUPS.transformer,
  warehouseLoader: CONSUMER_GROUPS.warehouseLoader,
  goldRefresh: CONSUMER_GROUPS.goldRefresh,
};

/** What the live run measured. */
export interface LiveRunReport {
  /** Rows the producer sent (its summary), when it printed one. */
  produced: number | undefined;
  refreshes: number;
  failedRefreshes: number;
  /** Rows whose freshness was measured (each fact row that reached gold during the run). */
  rows: number;
  /** Seconds from a row's produce (its Kafka timestamp) to the gold refresh that included it. */
  medianSeconds: number;
  p95Seconds: number;
  maxSeconds: number;
  stages: StageFigures[];
  /** Why the run could not finish (a worker died, a stage did not drain); undefined when it did. */
  failure: string | undefined;
}

/** The stages after bronze, in the order a row passes them, each behind its trigger topic. */
function drainOrder(topics: LiveTopics, groups: LiveGroups): StageGroup[] {
  return [
    { stage: 'transformer', groupId: groups.transformer, topic: topics.bronzeFiles },
    { stage: 'warehouse-loader', groupId: groups.warehouseLoader, topic: topics.silverBatches },
    { stage: 'gold refresh', groupId: groups.goldRefresh, topic: topics.silverApplied },
  ];
}

/** The gold model live mode refreshes, with what it is built from. */
const GOLD_SELECTION = ['run', '--select', '+overall_performance'];

/**
 * Live mode: the producer replays `file` at `rate` rows/s through resident stages – the streaming
 * sinks (already running), a transformer worker and a warehouse-loader worker (started here, in
 * their consumer groups, with a short debounce), and a resident dbt that refreshes
 * gold.overall_performance on every `lakestream.silver.applied.v1` confirmation. A row is fresh
 * when the refresh that first includes it answers; its freshness is that moment minus its Kafka
 * timestamp, and the per-stage breakdown places it in bronze (its manifest's `written_at`), silver
 * (its batch's announcement) and the warehouse (its batch's confirmation). After the producer
 * stops, every stage drains in order, so the rows produced last are measured too.
 */
export async function runLive(options: LiveRunOptions): Promise<LiveRunReport> {
  const { say, kafka } = options;
  const topics = options.topics ?? CONTRACT_TOPICS;
  const groups = options.groups ?? CONTRACT_GROUPS;
  const drain = drainOrder(topics, groups);
  const stopWorkers = new AbortController();
  const stopProducing = new AbortController();
  options.signal?.addEventListener('abort', () => stopProducing.abort(), { once: true });
  // The workers and the producer on the run's topics and groups.
  const workerEnv: NodeJS.ProcessEnv = {
    PRODUCER_TOPIC: topics.orderItems,
    TRANSFORMER_SOURCE_TOPIC: topics.orderItems,
    TRANSFORMER_MANIFEST_TOPIC: topics.bronzeFiles,
    TRANSFORMER_ANNOUNCE_TOPIC: topics.silverBatches,
    TRANSFORMER_BRONZE_GROUP_ID: groups.bronzeSink,
    TRANSFORMER_GROUP_ID: groups.transformer,
    WAREHOUSE_LOADER_TOPIC: topics.silverBatches,
    WAREHOUSE_LOADER_APPLIED_TOPIC: topics.silverApplied,
    WAREHOUSE_LOADER_GROUP_ID: groups.warehouseLoader,
  };
  const child = (name: string, args: string[], signal: AbortSignal, env: NodeJS.ProcessEnv = {}) =>
    runChild(process.execPath, [...TS_NODE, ...args], {
      cwd: options.root,
      env: { LOG_LEVEL: 'info', METRICS_PORT: '0', ...options.env, ...workerEnv, ...env },
      logFile: join(options.home, 'logs', `live-${name}.log`),
      signal,
    });

  const seen = await partitionWatermarks(options.warehousePath);
  const starts = await topicStarts(kafka, [topics.orderItems, ...drain.map((g) => g.topic)]);
  // Rows produced before this run (an interrupted run's, still in flight) reach gold too; only
  // the run's own offsets are measured.
  const produceFrom = starts.get(topics.orderItems) ?? new Map<number, number>();
  let failure: string | undefined;
  const fail = (why: string) => {
    failure ??= why;
    stopProducing.abort();
  };
  const workers = [
    child('transformer', ['services/transformer/src/main.ts', 'worker'], stopWorkers.signal, {
      TRANSFORMER_DEBOUNCE: options.env.TRANSFORMER_DEBOUNCE ?? '300ms',
      TRANSFORMER_MAX_WAIT: options.env.TRANSFORMER_MAX_WAIT ?? '3s',
    }),
    // The warehouse is locked for one gold refresh at a time (about a second): retry soon, and
    // for longer than a service alone would.
    child(
      'warehouse-loader',
      ['services/warehouse-loader/src/main.ts', 'worker'],
      stopWorkers.signal,
      {
        WAREHOUSE_LOADER_RETRY_BASE: options.env.WAREHOUSE_LOADER_RETRY_BASE ?? '50ms',
        WAREHOUSE_LOADER_RETRY_MAX: options.env.WAREHOUSE_LOADER_RETRY_MAX ?? '250ms',
        WAREHOUSE_LOADER_RETRIES: options.env.WAREHOUSE_LOADER_RETRIES ?? '100',
      },
    ),
  ].map((run, i) =>
    run.then((result: ChildResult) => {
      // Ctrl-C reaches the workers too (one process group): their exit then is no failure.
      if (!stopWorkers.signal.aborted && !options.signal?.aborted) {
        const name = i === 0 ? 'transformer' : 'warehouse-loader';
        fail(
          `the ${name} worker stopped (${result.signal ?? `exit ${result.code}`}); see ${join(options.home, 'logs', `live-${name}.log`)}`,
        );
      }
      return result;
    }),
  );

  let dbt: DbtServe | undefined;
  const rows: MeasuredRow[] = [];
  let refreshes = 0;
  let failedRefreshes = 0;
  const follower = followSilverApplied({
    kafka,
    topic: topics.silverApplied,
    groupId: groups.goldRefresh,
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
    refresh: () => dbt!.run(GOLD_SELECTION, newRowsSql(seen)),
    onRefresh: ({ answer, visibleAt }) => {
      refreshes += 1;
      if (!answer.ok) {
        failedRefreshes += 1;
        say(`refresh ${refreshes}: failed (${answer.error}); trying again`);
        return;
      }
      const fresh = takeNewRows(answer.rows, seen, visibleAt).filter(
        (r) => r.offset >= (produceFrom.get(r.partition) ?? 0),
      );
      for (const row of fresh) rows.push(row);
      const seconds = fresh.map((r) => (visibleAt - r.producedAt) / 1000).sort((a, b) => a - b);
      say(
        `refresh ${refreshes}: ${fresh.length.toLocaleString('en')} new rows in gold (dbt ${answer.seconds.toFixed(1)} s)` +
          (seconds.length ? `, freshness median ${quantile(seconds, 0.5).toFixed(1)} s` : ''),
      );
    },
  });

  let produced: number | undefined;
  try {
    dbt = await startDbtServe({
      root: options.root,
      env: options.env,
      logFile: join(options.home, 'logs', 'live-dbt.log'),
    });
    say(`resident dbt ready (project parsed in ${dbt.startSeconds.toFixed(1)} s)`);
    await follower.start();
    await waitForMembers(kafka, [groups.transformer, groups.warehouseLoader, groups.goldRefresh], {
      timeoutMs: options.timeoutMs,
      signal: stopProducing.signal,
    });
    if (!stopProducing.signal.aborted) {
      say('transformer and warehouse-loader workers and the gold refresh are in their groups');
      say(
        `producer: replaying ${options.file} at ${options.rate} rows/s for ${options.durationMs / 1000} s`,
      );
      const timer = setTimeout(() => stopProducing.abort(), options.durationMs);
      const producer = await child(
        'producer',
        ['services/producer/src/main.ts', '--rate', String(options.rate), options.file],
        stopProducing.signal,
      );
      clearTimeout(timer);
      const sent = /([\d,]+) valid sent/.exec(producer.stdout)?.[1];
      produced = sent === undefined ? undefined : Number(sent.replaceAll(',', ''));
      if (producer.code !== 0 && !stopProducing.signal.aborted)
        fail(
          `the producer failed (exit ${producer.code}); see ${join(options.home, 'logs', 'live-producer.log')}`,
        );
    }
    // Bronze lands everything produced; then each stage in turn commits past the last record of
    // its trigger topic, so everything produced is in gold.
    if (failure === undefined && !options.signal?.aborted) {
      say('draining: waiting for the bronze sink');
      await waitForCatchUp(kafka, {
        groups: [{ stage: 'bronze-sink', groupId: groups.bronzeSink, topic: topics.orderItems }],
        timeoutMs: options.timeoutMs,
        say,
        ...(options.signal ? { signal: options.signal } : {}),
      }).catch((err: unknown) => fail((err as Error).message));
    }
    for (const group of drain) {
      if (failure !== undefined || options.signal?.aborted) break;
      say(`draining: waiting for the ${group.stage}`);
      await drainStage(kafka, group, starts.get(group.topic), options).catch((err: unknown) =>
        fail((err as Error).message),
      );
    }
  } catch (err) {
    fail((err as Error).message);
  } finally {
    await follower.close();
    await dbt?.close();
    stopWorkers.abort();
    await Promise.all(workers);
  }

  const stages =
    rows.length > 0 && !options.signal?.aborted
      ? stageBreakdown(
          rows,
          await readBronzeManifests(kafka, topics.bronzeFiles),
          topics.orderItems,
          await batchTimes(kafka, topics),
        )
      : [];
  const freshness = rows.map((r) => (r.visibleAt - r.producedAt) / 1000).sort((a, b) => a - b);
  return {
    produced,
    refreshes,
    failedRefreshes,
    rows: freshness.length,
    medianSeconds: quantile(freshness, 0.5),
    p95Seconds: quantile(freshness, 0.95),
    maxSeconds: freshness.at(-1) ?? Number.NaN,
    stages,
    failure,
  };
}

/** Each topic's end offsets now (absent when the topic does not exist yet). */
async function topicStarts(kafka: Kafka, topics: readonly string[]) {
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
async function drainStage(
  kafka: Kafka,
  group: StageGroup,
  from: ReadonlyMap<number, number> | undefined,
  options: Pick<LiveRunOptions, 'timeoutMs' | 'signal'>,
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
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch((err: unknown) => {
      if (options.signal?.aborted) return [];
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

/** When each silver batch was announced and confirmed applied. */
async function batchTimes(kafka: Kafka, topics: LiveTopics): Promise<BatchTimes> {
  const read = (topic: string) =>
    readTopicToEnd(kafka, topic, {
      groupIdPrefix: `lakestream-live-${process.pid}`,
      timeoutMs: 60_000,
    });
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

type Watermarks = Map<number, number>;

/** Highest fact offset per partition now in the warehouse (rows up to it are already counted). */
async function partitionWatermarks(path: string): Promise<Watermarks> {
  if (!existsSync(path)) return new Map();
  try {
    const rows = await withWarehouse(path, (run) =>
      run(
        'select kafka_partition as p, max(kafka_offset) as o from silver.fct_order_items group by 1',
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
function newRowsSql(seen: Watermarks): string {
  const floors = [...seen].map(([p, o]) => `(${p}, ${o})`).join(', ');
  return `with w(p, o) as (${floors ? `values ${floors}` : 'select null::bigint, null::bigint where false'})
    select f.kafka_partition, f.kafka_offset, epoch_ms(f.kafka_timestamp), f.silver_batch_id
      from silver.fct_order_items f left join w on w.p = f.kafka_partition
     where f.kafka_offset > coalesce(w.o, -1)`;
}

/** The rows of a refresh's answer as measured rows; advances the watermarks. */
function takeNewRows(answer: unknown[][], seen: Watermarks, visibleAt: number): MeasuredRow[] {
  return answer.map(([p, o, ts, batch]) => {
    const partition = Number(p);
    const offset = Number(o);
    if (offset > (seen.get(partition) ?? -1)) seen.set(partition, offset);
    return { partition, offset, producedAt: Number(ts), batchId: String(batch), visibleAt };
  });
}
