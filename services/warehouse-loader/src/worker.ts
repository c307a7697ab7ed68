import {
  createIdempotentProducer,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import { BatchAnnouncementSchema, type SilverApplied } from '@lakestream/silver';
import type { EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Loader, RunOptions, RunSummary } from './loader.js';
import { createLoaderConsumer } from './loader-consumer.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';

/** Options of `createWorker`. */
export interface WorkerOptions {
  kafka: Kafka;
  loader: Loader;
  /** Topic of the silver batch announcements. */
  topic: string;
  /** Where each applied batch is confirmed (`lakestream.silver.applied.v1`): the gold refresh's trigger. */
  appliedTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
  /**
   * Longest time between two runs: this long after the last run ended (whatever triggered it),
   * the worker runs again unasked, so a run that failed, or a batch whose announcement was lost,
   * is applied within one interval.
   */
  runIntervalMs: number;
  logger: Logger;
  metrics?: LoaderMetrics;
  /** Called with each run's summary (at start, on announcements, or on the timer). */
  onRun?: (summary: RunSummary) => void;
  /** Called once when the consumer stops on an error it cannot get past. */
  onFatal?: (err: unknown) => void;
}

/** The running worker; its methods are the steps of an orderly shutdown, in this order. */
export interface Worker {
  /** Applies whatever is pending already, arms the timer, joins the group and starts consuming. */
  start(): Promise<void>;
  /** Takes no new announcement, stops the timer, and stops the run under way after its current batch. */
  stopIntake(): void;
  /** Resolves once the run under way (if any) has ended and its offsets are committed. */
  flush(): Promise<void>;
  /** Leaves the group and disconnects; idempotent. */
  close(): Promise<void>;
  /** Throws unless the consumer is in its group, not shutting down, and the last run succeeded. */
  checkReady(): void;
}

/**
 * The long-running loader. Announcements are only triggers – the lake's published manifests are
 * the truth – so every fetched batch of announcements leads to one run that applies everything
 * pending, and the offsets are committed after it. A crash before the commit replays the
 * announcements, whose run then finds nothing left to do. The worker also runs at start and
 * `runIntervalMs` after its last run, so nothing waits for an announcement that never comes (a
 * transformer killed between manifest and announcement) or for one after a failed run (the
 * warehouse busy or down beyond the retries). A run that fails keeps the offsets uncommitted and
 * marks the worker not ready until a run succeeds. Runs never overlap: every trigger goes through
 * the loader's one queue, and the timer does not queue behind a run under way.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { kafka, loader, topic, metrics } = options;
  if (!Number.isFinite(options.runIntervalMs) || options.runIntervalMs <= 0) {
    throw new RangeError(`runIntervalMs must be a positive duration, got ${options.runIntervalMs}`);
  }
  const log = options.logger.child({ component: 'worker' });
  const stop = new AbortController();
  const { member, heartbeatMs } = createLoaderConsumer({
    kafka,
    topic,
    ensureTopics: [
      topicSpec(TOPICS.silverBatches, topic),
      topicSpec(TOPICS.silverApplied, options.appliedTopic),
    ],
    groupId: options.groupId,
    sessionTimeoutMs: options.sessionTimeoutMs,
    name: 'the announcement consumer',
    logger: log,
    signal: stop.signal,
    ...(metrics ? { metrics } : {}),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  const consumer = member.consumer;
  const producer: Producer = createIdempotentProducer(kafka);
  let producerConnected = false;
  /** Confirmations not sent yet, oldest first. */
  let unsent: { key: string; value: string }[] = [];
  const inFlight = new Set<Promise<unknown>>();
  /**
   * Every confirmation sent so far, in order. A run's announcements are committed only after its
   * link settles, which comes after every earlier run's: a later run that found nothing to do must
   * not let an earlier run's batches look drained (the group past them) while their confirmations
   * are still being sent.
   */
  let confirmations: Promise<void> = Promise.resolve();
  let lastFailure: unknown;
  let timer: NodeJS.Timeout | undefined;

  /** The next unasked run, `runIntervalMs` from now (each run's end re-arms it). */
  function arm(): void {
    clearTimeout(timer);
    if (stop.signal.aborted) return;
    timer = setTimeout(() => {
      // A run under way re-arms the timer when it ends.
      if (inFlight.size === 0) void runTracked('timer', { ifLakeChanged: true });
    }, options.runIntervalMs);
  }

  /** One run, tracked so that shutdown can wait for it; true when it applied all there was. */
  function runTracked(
    reason: string,
    { heartbeat, ...runOptions }: RunOptions & { heartbeat?: () => Promise<void> } = {},
  ): Promise<boolean> {
    const beat = heartbeat
      ? setInterval(() => {
          heartbeat().catch((err: unknown) => log.warn({ err }, 'heartbeat during a run failed'));
        }, heartbeatMs)
      : undefined;
    const run = loader.runOnce(stop.signal, runOptions).then(
      async (summary) => {
        const sent = confirmations.then(() => confirm(summary));
        confirmations = sent;
        await sent;
        const recovered = lastFailure !== undefined;
        lastFailure = undefined;
        const fields = { reason, applied: summary.applied.map((b) => b.id), rows: summary.rows };
        // An idle timer run every interval is not news; a run that applied or recovered is.
        if (summary.applied.length > 0) log.info(fields, 'applied pending batches');
        else if (recovered) log.info(fields, 'nothing pending; applying works again');
        else log.debug(fields, 'nothing pending');
        options.onRun?.(summary);
        return !summary.interrupted;
      },
      (err: unknown) => {
        lastFailure = err;
        log.error(
          { err, reason, retryInMs: options.runIntervalMs },
          'applying pending batches failed; the next announcement or the timer tries again',
        );
        return false;
      },
    );
    const tracked: Promise<boolean> = run.finally(() => {
      clearInterval(beat);
      inFlight.delete(tracked);
      if (inFlight.size === 0) arm();
    });
    inFlight.add(tracked);
    return tracked;
  }

  /**
   * One confirmation per applied batch, once the run has closed the warehouse (its rows are
   * visible to readers). Confirmations that cannot be sent yet (the start-up run applies before
   * Kafka is connected) or whose send failed are kept and go with the next ones, in order.
   */
  async function confirm(summary: RunSummary): Promise<void> {
    const appliedAt = new Date().toISOString();
    for (const batch of summary.applied) {
      const confirmation: SilverApplied = {
        version: 1,
        batch_id: batch.id,
        target: summary.targetKind,
        target_name: summary.target,
        rows: batch.rows,
        applied_at: appliedAt,
      };
      unsent.push({ key: batch.id, value: JSON.stringify(confirmation) });
    }
    await sendUnsent();
  }

  async function sendUnsent(): Promise<void> {
    if (unsent.length === 0 || !producerConnected) return;
    const messages = unsent;
    unsent = [];
    await producer
      .send({ topic: options.appliedTopic, acks: -1, messages })
      .catch((err: unknown) => {
        unsent = [...messages, ...unsent];
        log.warn(
          { err, batches: messages.map((m) => m.key) },
          'confirming the applied batches failed; they go with the next confirmation',
        );
      });
  }

  async function eachBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) {
    if (stop.signal.aborted || !isRunning() || isStale() || batch.messages.length === 0) return;
    const ids: string[] = [];
    for (const message of batch.messages) {
      const parsed = BatchAnnouncementSchema.safeParse(safeJson(message.value?.toString('utf8')));
      if (parsed.success) ids.push(parsed.data.batch_id);
      else
        log.warn(
          { offset: message.offset, partition: batch.partition },
          'ignoring a message that is not a batch announcement',
        );
    }
    metrics?.shared.receivedEvents.inc({ component: COMPONENT }, batch.messages.length);
    const ok = await runTracked(`announcements ${ids.join(', ') || '(none valid)'}`, { heartbeat });
    // Committed only when everything pending was applied: otherwise the announcements come
    // again after a restart, and their run picks up what is left.
    if (!ok) return;
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: next },
    ]);
  }

  return {
    async start() {
      // Batches published while no worker ran, or whose announcement was lost, apply now – and
      // go on being applied on the timer even while Kafka is not answering yet.
      const connecting = withKafkaStartRetry(
        'connect the confirmation producer',
        () => producer.connect(),
        { logger: log, signal: stop.signal },
      ).then(() => {
        producerConnected = true;
        // What the start-up run applied before Kafka answered is confirmed now.
        confirmations = confirmations.then(sendUnsent);
      });
      void runTracked('start-up catch-up');
      try {
        await connecting;
        await member.start({ autoCommit: false, partitionsConsumedConcurrently: 1, eachBatch });
      } catch (err) {
        // Shut down while starting: not a failure.
        if (stop.signal.aborted) return;
        throw err;
      }
    },

    stopIntake() {
      clearTimeout(timer);
      if (!stop.signal.aborted) stop.abort(new Error('shutting down'));
      member.pause();
    },

    async flush() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    async close() {
      clearTimeout(timer);
      await member.close();
      await producer
        .disconnect()
        .catch((err: unknown) => log.warn({ err }, 'producer disconnect failed'));
    },

    checkReady() {
      if (stop.signal.aborted) throw new Error('shutting down');
      member.checkReady();
      if (lastFailure !== undefined) {
        throw new Error(
          `the last run failed: ${(lastFailure as Error).message ?? String(lastFailure)}`,
        );
      }
    },
  };
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
