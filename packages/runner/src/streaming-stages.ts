import { kafkaClusterId, withKafkaStartRetry } from '@lakestream/kafka';
import type { BronzeManifest } from '@lakestream/lake';
import type { Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { waitForGroups } from './catch-up.js';
import type { ChildResult } from './child-process.js';
import { countBetween, offsetsHeld, type PartitionOffsets, topicEndOffsets } from './offsets.js';
import { auditRowCountInRange, readBronzeManifests, type StageGroup } from './streaming-counts.js';
import { type SupervisionOptions, superviseServices, type WatchedService } from './supervision.js';

/** One line of the run's table. */
export interface StageReport {
  stage: string;
  in: number | undefined;
  out: number | undefined;
  rejected: number | undefined;
  seconds: number;
  ok: boolean;
  /** Why it failed, or what else is worth saying (e.g. batches applied). */
  note?: string;
}

/** What the streaming part of a run needs from `runPipeline`. */
export interface StreamingStagesContext {
  kafka: Kafka;
  logger: Logger;
  files: readonly string[];
  topics: { orderItems: string; bronzeFiles: string };
  groups: readonly StageGroup[];
  databaseUrl: string;
  auditSchema: string | undefined;
  timeoutMs: number;
  began: number;
  say: (message: string) => void;
  signal: AbortSignal | undefined;
  watch: readonly WatchedService[];
  supervision: Omit<SupervisionOptions, 'services'>;
  progressMs: number | undefined;
  /** Runs a stage's process from its sources; stopped when `signal` aborts. */
  child: (
    name: string,
    args: string[],
    signal: AbortSignal | undefined,
    onStderrLine?: (line: string) => void,
  ) => Promise<ChildResult>;
  failure: (result: ChildResult, name: string) => string;
  /** Records (and prints) a stage's line; returns whether it succeeded. */
  stage: (report: StageReport) => boolean;
}

/** What the batch stages need to know of the streaming ones. */
export interface StreamingOutcome {
  ok: boolean;
  /** The user stopped the run. */
  interrupted: boolean;
  /** Every committed bronze manifest of the order-item topic (empty when the run stopped early). */
  manifests: BronzeManifest[];
  /**
   * The audit sink's wait, still going on beside the batch stages (silver is built from bronze
   * alone); resolves, once its line is recorded, with whether it succeeded. Absent when the run
   * ended before the sinks.
   */
  audit?: Promise<boolean>;
}

interface ProducerSummary {
  rowsRead: number;
  valid: number;
  invalid: number;
}

/**
 * Producer → Kafka → bronze-sink and audit-sink, while watching the sinks' processes: a sink that
 * dies or stops answering ends the run at once, naming it with its last log lines; an abort ends it
 * within seconds. Each sink's count is the number of the run's offsets – [since, end) per partition
 * – that it holds, so records an earlier run left unconsumed in the same object are not counted
 * and do not make this run fail.
 */
export async function runStreamingStages(ctx: StreamingStagesContext): Promise<StreamingOutcome> {
  const { kafka, topics, say } = ctx;
  const supervision = superviseServices({ ...ctx.supervision, services: ctx.watch });
  const signal = ctx.signal
    ? AbortSignal.any([ctx.signal, supervision.signal])
    : supervision.signal;
  const startRetry = { logger: ctx.logger, signal, timeoutMs: ctx.timeoutMs };
  /** Why a stage stopped: the user, another sink that died, or this one (its reason and log). */
  const stopNote = (current: string) => {
    const failure = supervision.failure();
    if (failure === undefined) return 'interrupted';
    if (failure.stage !== current) return `stopped: ${failure.stage} is down`;
    return `${failure.reason}; last lines of ${failure.logFile}: ${failure.logTail.join(' | ')}`;
  };
  const stopped = (current: string, seconds: number): StreamingOutcome => {
    const failure = supervision.failure();
    if (failure === undefined) {
      ctx.stage({ ...empty(current, seconds), note: stopNote(current) });
      return { ok: false, interrupted: true, manifests: [] };
    }
    if (failure.stage !== current)
      ctx.stage({ ...empty(current, seconds), note: stopNote(current) });
    ctx.stage({
      ...empty(failure.stage, (performance.now() - ctx.began) / 1000),
      note: stopNote(failure.stage),
    });
    for (const line of failure.logTail) say(`  ${failure.stage}: ${line}`);
    return { ok: false, interrupted: false, manifests: [] };
  };

  let handedOver = false;
  // Ends the audit sink's wait when the run stops before handing it over.
  const auditStop = new AbortController();
  try {
    let since: PartitionOffsets;
    let clusterId: string;
    try {
      [since, clusterId] = await Promise.all([
        withKafkaStartRetry(
          'read the topic end offsets',
          () => topicEndOffsets(kafka, topics.orderItems),
          startRetry,
        ),
        withKafkaStartRetry('describe the cluster', () => kafkaClusterId(kafka), startRetry),
      ]);
    } catch (err) {
      if (signal.aborted) return stopped('producer', 0);
      throw err;
    }

    // 1. Producer.
    say(`producer: streaming ${ctx.files.length} file(s) into ${topics.orderItems}`);
    let summary: ProducerSummary | undefined;
    const producer = await ctx.child(
      'producer',
      ['services/producer/src/main.ts', ...ctx.files],
      signal,
      (line) => {
        if (!line.startsWith('{') || !line.includes('producer finished')) return;
        summary = (JSON.parse(line) as { summary: ProducerSummary }).summary;
      },
    );
    if (signal.aborted) return stopped('producer', producer.seconds);
    const producerOk = producer.code === 0 && summary !== undefined;
    const producerReport = {
      stage: 'producer',
      in: summary?.rowsRead,
      out: summary?.valid,
      rejected: summary?.invalid,
      seconds: producer.seconds,
      ok: producerOk,
      ...(producerOk ? {} : { note: ctx.failure(producer, 'producer') }),
    };
    if (!ctx.stage(producerReport)) return { ok: false, interrupted: false, manifests: [] };
    // The run's messages are exactly [since, end): what the producer added.
    const end = await topicEndOffsets(kafka, topics.orderItems);
    const produced = countBetween(since, end);

    // 2. The sinks. The batch stages need bronze only, so they start once the bronze sink has
    // committed the end of the topic; the audit sink's wait goes on beside them.
    say(
      'bronze-sink: waiting until it has committed everything (the audit sink carries on beside the batch stages)',
    );
    const isBronze = (g: StageGroup) => g.stage === 'bronze-sink';
    const waitFor = (groups: readonly StageGroup[], stop: AbortSignal = signal) =>
      waitForGroups(kafka, groups, {
        timeoutMs: ctx.timeoutMs,
        began: ctx.began,
        signal: stop,
        say,
        ...(ctx.progressMs === undefined ? {} : { progressMs: ctx.progressMs }),
      });
    const notCaughtUp = (stage: string, wait: Awaited<ReturnType<typeof waitFor>>) =>
      wait.caughtUp.has(stage)
        ? {}
        : {
            note: `did not catch up in ${Math.round(ctx.timeoutMs / 1000)} s (${(wait.behind.get(stage) ?? Number.NaN).toLocaleString('en')} behind)`,
          };
    // Both waits start now, so each stage's time and timeout count from the same moment.
    const auditWaiting = waitFor(
      ctx.groups.filter((g) => !isBronze(g)),
      AbortSignal.any([signal, auditStop.signal]),
    );
    // Observed at once, so a failing wait is never an unhandled rejection; `audit` reports it.
    auditWaiting.catch(() => {});
    const bronzeWait = await waitFor(ctx.groups.filter(isBronze));
    if (signal.aborted) return stopped(supervision.failure()?.stage ?? 'bronze-sink', 0);
    const manifests = (await readBronzeManifests(kafka, topics.bronzeFiles)).filter(
      (m) => m.topic === topics.orderItems,
    );
    const bronzeRecords = offsetsHeld(manifests, since, end);
    const bronzeOk = bronzeWait.caughtUp.has('bronze-sink') && bronzeRecords === produced;
    ctx.stage({
      stage: 'bronze-sink',
      in: produced,
      out: bronzeRecords,
      rejected: 0,
      seconds: bronzeWait.caughtUp.get('bronze-sink') ?? Number.NaN,
      ok: bronzeOk,
      ...notCaughtUp('bronze-sink', bronzeWait),
    });

    const audit = (async () => {
      const auditWait = await auditWaiting;
      if (signal.aborted) {
        const seconds = (performance.now() - ctx.began) / 1000;
        return ctx.stage({ ...empty('audit-sink', seconds), note: stopNote('audit-sink') });
      }
      const auditRows = await auditRowCountInRange(
        ctx.databaseUrl,
        { topic: topics.orderItems, clusterId, since, end },
        ctx.auditSchema,
      );
      return ctx.stage({
        stage: 'audit-sink',
        in: produced,
        out: auditRows,
        rejected: produced - auditRows,
        seconds: auditWait.caughtUp.get('audit-sink') ?? Number.NaN,
        ok: auditWait.caughtUp.has('audit-sink') && auditRows === produced,
        ...notCaughtUp('audit-sink', auditWait),
      });
    })()
      .catch((err: unknown) =>
        // Kafka's admin or PostgreSQL failed while counting: a failed line, not a crashed run.
        ctx.stage({
          ...empty('audit-sink', (performance.now() - ctx.began) / 1000),
          note: `could not be counted: ${(err as Error).message}`,
        }),
      )
      .finally(() => supervision.close());
    handedOver = true;
    return { ok: bronzeOk, interrupted: false, manifests, audit };
  } finally {
    // The audit wait, once started, closes the supervision itself.
    if (!handedOver) {
      auditStop.abort();
      supervision.close();
    }
  }
}

function empty(stage: string, seconds: number): StageReport {
  return { stage, in: undefined, out: undefined, rejected: undefined, seconds, ok: false };
}
