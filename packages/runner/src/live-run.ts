import { join } from 'node:path';
import { CONSUMER_GROUPS, TOPICS, type TopicRecord } from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { waitForCatchUp, waitForMembers } from './catch-up.js';
import { runChild, stageLogLevel, TS_NODE } from './child-process.js';
import { type DbtServe, startDbtServe } from './dbt-serve.js';
import { followSilverApplied } from './gold-refresh.js';
import { type MeasuredRow, quantile, type StageFigures, stageBreakdown } from './live-breakdown.js';
import {
  batchTimes,
  drainStage,
  manifestsOf,
  newRowsSql,
  readSince,
  takeNewRows,
  topicStarts,
  type Watermarks,
} from './live-measure.js';
import type { StageGroup } from './streaming-counts.js';

/** Options of `runLive`. */
export interface LiveRunOptions {
  file: string;
  /** Rows per second the producer replays at. */
  rate: number;
  /** Stop producing after this long (the stages then drain). */
  durationMs: number;
  root: string;
  home: string;
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
  // The run is ending: the workers and the resident dbt stop because they are told to.
  const ending = new AbortController();
  // Aborted by Ctrl-C or by a failure: production and every wait end at once.
  const halt = new AbortController();
  options.signal?.addEventListener('abort', () => halt.abort(), { once: true });
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
  const logOf = (name: string) => join(options.home, 'logs', `live-${name}.log`);
  const child = (
    name: string,
    args: string[],
    signal: AbortSignal,
    {
      env = {},
      onStderrLine,
    }: { env?: NodeJS.ProcessEnv; onStderrLine?: (line: string) => void } = {},
  ) =>
    runChild(process.execPath, [...TS_NODE, ...args], {
      cwd: options.root,
      env: {
        METRICS_PORT: '0',
        ...options.env,
        LOG_LEVEL: stageLogLevel(options.env.LOG_LEVEL),
        ...workerEnv,
        ...env,
      },
      logFile: logOf(name),
      signal,
      ...(onStderrLine ? { onStderrLine } : {}),
    });

  const starts = await topicStarts(kafka, [topics.orderItems, ...drain.map((g) => g.topic)]);
  // Only the run's own offsets are measured: rows produced before it (an interrupted run's, still
  // in flight) reach gold too, but lie below these watermarks, which each refresh advances.
  const seen: Watermarks = new Map(
    [...(starts.get(topics.orderItems) ?? [])].map(([partition, end]) => [partition, end - 1]),
  );
  let failure: string | undefined;
  const fail = (why: string) => {
    failure ??= why;
    halt.abort();
  };
  /** A service's worker mode for the run; one that stops before the run ends fails it. */
  const worker = (name: string, env: NodeJS.ProcessEnv) =>
    child(name, [`services/${name}/src/main.ts`, 'worker'], ending.signal, { env }).then(
      (result) => {
        // Ctrl-C reaches the workers too (one process group): their exit then is no failure.
        if (!ending.signal.aborted && !options.signal?.aborted)
          fail(
            `the ${name} worker stopped (${result.signal ?? `exit ${result.code}`}); see ${logOf(name)}`,
          );
      },
    );
  const workers = [
    worker('transformer', {
      TRANSFORMER_DEBOUNCE: options.env.TRANSFORMER_DEBOUNCE ?? '300ms',
      TRANSFORMER_MAX_WAIT: options.env.TRANSFORMER_MAX_WAIT ?? '3s',
    }),
    // The warehouse is locked for one gold refresh at a time (about a second): retry soon, and
    // for longer than a service alone would.
    worker('warehouse-loader', {
      WAREHOUSE_LOADER_RETRY_BASE: options.env.WAREHOUSE_LOADER_RETRY_BASE ?? '50ms',
      WAREHOUSE_LOADER_RETRY_MAX: options.env.WAREHOUSE_LOADER_RETRY_MAX ?? '250ms',
      WAREHOUSE_LOADER_RETRIES: options.env.WAREHOUSE_LOADER_RETRIES ?? '100',
    }),
  ];

  let dbt: DbtServe | undefined;
  const rows: MeasuredRow[] = [];
  let refreshes = 0;
  let failedRefreshes = 0;
  const follower = followSilverApplied({
    kafka,
    topic: topics.silverApplied,
    groupId: groups.goldRefresh,
    logger: options.logger,
    signal: halt.signal,
    refresh: () => dbt!.run(GOLD_SELECTION, newRowsSql(seen, topics.orderItems)),
    onFatal: (err) => fail(`the gold refresh stopped: ${(err as Error).message}`),
    onRefresh: ({ answer, visibleAt }) => {
      refreshes += 1;
      if (!answer.ok) {
        failedRefreshes += 1;
        say(`refresh ${refreshes}: failed (${answer.error}); trying again`);
        return;
      }
      const fresh = takeNewRows(answer.rows, seen, visibleAt);
      for (const row of fresh) rows.push(row);
      const seconds = fresh.map((r) => (visibleAt - r.producedAt) / 1000).sort((a, b) => a - b);
      say(
        `refresh ${refreshes}: ${fresh.length.toLocaleString('en')} new rows in gold (dbt ${answer.seconds.toFixed(1)} s)` +
          (seconds.length ? `, freshness median ${quantile(seconds, 0.5).toFixed(1)} s` : ''),
      );
    },
  });

  let produced: number | undefined;
  /** The records each drained stage's trigger topic gained during the run, as the drain read them. */
  const drained = new Map<string, TopicRecord[]>();
  try {
    dbt = await startDbtServe({
      root: options.root,
      env: options.env,
      logFile: join(options.home, 'logs', 'live-dbt.log'),
    });
    say(`resident dbt ready (project parsed in ${dbt.startSeconds.toFixed(1)} s)`);
    void dbt.ended.then((why) => {
      if (!ending.signal.aborted && !options.signal?.aborted) fail(why);
    });
    await follower.start();
    await waitForMembers(kafka, [groups.transformer, groups.warehouseLoader, groups.goldRefresh], {
      timeoutMs: options.timeoutMs,
      signal: halt.signal,
    });
    if (!halt.signal.aborted) {
      say('transformer and warehouse-loader workers and the gold refresh are in their groups');
      say(
        `producer: replaying ${options.file} at ${options.rate} rows/s for ${options.durationMs / 1000} s`,
      );
      // A timer of our own: in a 60 s run an AbortSignal.timeout inside AbortSignal.any never
      // fired (Node can collect it first) and the producer replayed the whole file. It starts when
      // the producer says it is streaming: its start-up (tsx, Kafka's connect) took 1–2 s of a
      // loaded machine's replay, and a short run produced a third of what it said.
      const stopProducing = new AbortController();
      const stop = () => stopProducing.abort();
      let timer: NodeJS.Timeout | undefined;
      halt.signal.addEventListener('abort', stop, { once: true });
      const producer = await child(
        'producer',
        ['services/producer/src/main.ts', '--rate', String(options.rate), options.file],
        stopProducing.signal,
        {
          onStderrLine: (line) => {
            if (timer === undefined && line.includes('"msg":"streaming"'))
              timer = setTimeout(stop, options.durationMs);
          },
        },
      ).finally(() => {
        clearTimeout(timer);
        halt.signal.removeEventListener('abort', stop);
      });
      const sent = /([\d,]+) valid sent/.exec(producer.stdout)?.[1];
      produced = sent === undefined ? undefined : Number(sent.replaceAll(',', ''));
      if (producer.code !== 0 && !stopProducing.signal.aborted)
        fail(`the producer failed (exit ${producer.code}); see ${logOf('producer')}`);
    }
    // Bronze lands everything produced; then each stage in turn commits past the last record of
    // its trigger topic, so everything produced is in gold.
    if (!halt.signal.aborted) {
      say('draining: waiting for the bronze sink');
      await waitForCatchUp(kafka, {
        groups: [{ stage: 'bronze-sink', groupId: groups.bronzeSink, topic: topics.orderItems }],
        timeoutMs: options.timeoutMs,
        say,
        signal: halt.signal,
      }).catch((err: unknown) => fail((err as Error).message));
    }
    for (const group of drain) {
      if (halt.signal.aborted) break;
      say(`draining: waiting for the ${group.stage}`);
      await drainStage(kafka, group, starts.get(group.topic), {
        timeoutMs: options.timeoutMs,
        signal: halt.signal,
      }).then(
        (records) => drained.set(group.topic, records),
        (err: unknown) => fail((err as Error).message),
      );
    }
  } catch (err) {
    fail((err as Error).message);
  } finally {
    ending.abort();
    await follower.close();
    await dbt?.close();
    await Promise.all(workers);
  }

  // The run's manifests, announcements and confirmations: those the drain read, or (a stage that
  // did not drain) read now.
  const since = async (topic: string) =>
    drained.get(topic) ?? readSince(kafka, topic, starts.get(topic), options.timeoutMs);
  const stages =
    rows.length > 0 && !options.signal?.aborted
      ? stageBreakdown(
          rows,
          manifestsOf(await since(topics.bronzeFiles)),
          topics.orderItems,
          batchTimes(await since(topics.silverBatches), await since(topics.silverApplied)),
        )
      : [];
  // Every row produced must reach gold: one that did not was lost or quarantined on the way.
  if (
    failure === undefined &&
    !options.signal?.aborted &&
    produced !== undefined &&
    rows.length < produced
  )
    failure = `${(produced - rows.length).toLocaleString('en')} of the ${produced.toLocaleString('en')} rows produced did not reach gold (quarantined by the transformer's quality gate, or lost)`;
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
