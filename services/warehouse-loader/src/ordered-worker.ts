/**
 * The worker shape the db worker and the documents worker share: messages of one topic applied
 * strictly in order, one at a time, each message's offset committed only once its write is
 * durable. A failure keeps the offset where it is and tries the same message again after
 * `retryDelayMs`, the worker not ready meanwhile; a crash anywhere before the commit delivers
 * the message again on restart, so every job must find its own earlier write (and not repeat it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicSpec } from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { metricCode } from './errors.js';
import { createLoaderConsumer } from './loader-consumer.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';
import type { Worker } from './worker.js';

/** What one message asks the worker to do. */
export interface MessageJob {
  /** Log fields naming the message. */
  fields: Record<string, unknown>;
  /**
   * Applies it; resolving means durable (or settled for good, e.g. rejected), throwing means try
   * again after `retryDelayMs`. `signal` aborts as the shutdown begins.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** Options of `createOrderedWorker`. */
export interface OrderedWorkerOptions {
  kafka: Kafka;
  topic: string;
  ensureTopics: readonly TopicSpec[];
  groupId: string;
  sessionTimeoutMs: number;
  /** Pause before a failed message is tried again. */
  retryDelayMs: number;
  /** What a message is, in log lines and readiness ('sync batch', 'object'). */
  item: string;
  /** The worker's own logger (its `component` set). */
  logger: Logger;
  metrics?: LoaderMetrics;
  onFatal?: (err: unknown) => void;
  /** The message's job; undefined when there is nothing to apply (it is committed past). */
  jobOf(message: KafkaMessage, at: { topic: string; partition: number }): MessageJob | undefined;
  /** Started before the consumer joins and closed after it leaves (clients the jobs use). */
  companions?: { start(): Promise<void>; close(): Promise<void> };
}

/** The running worker, with the signal its jobs and companions stop on. */
export interface OrderedWorker extends Worker {
  readonly signal: AbortSignal;
  /** The typed error a companion that stopped for good reports. */
  fatal(cause: unknown): Error;
}

export function createOrderedWorker(options: OrderedWorkerOptions): OrderedWorker {
  const { metrics, item, logger: log } = options;
  const stop = new AbortController();
  const { member, heartbeatMs, fatal } = createLoaderConsumer({
    ...options,
    name: `the ${item} consumer`,
    signal: stop.signal,
  });
  const inFlight = new Set<Promise<unknown>>();
  let lastFailure: unknown;

  // A fetch can hold nothing but a transactional writer's commit markers and aborted messages
  // (a transaction of the bronze sink aborted last on its partition). kafkajs passes over it
  // without calling eachBatch; everything before it was handed over and settled, so it is
  // committed past here, or the group would stay behind for good.
  const { consumer } = member;
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize !== 0 || stop.signal.aborted) return;
    const offset = (BigInt(payload.lastOffset) + 1n).toString();
    consumer
      .commitOffsets([{ topic: payload.topic, partition: payload.partition, offset }])
      .catch((err: unknown) =>
        log.warn({ err, partition: payload.partition }, 'committing past markers failed'),
      );
  });

  /** Applies the job until it is done (true), or the worker stops or loses the partition. */
  async function settle(job: MessageJob, stillOwned: () => boolean): Promise<boolean> {
    while (!stop.signal.aborted && stillOwned()) {
      try {
        await job.run(stop.signal);
        if (lastFailure !== undefined) log.info(job.fields, `applying ${item}s works again`);
        lastFailure = undefined;
        return true;
      } catch (err) {
        if (stop.signal.aborted) return false;
        lastFailure = err;
        metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
        log.error(
          { err, ...job.fields, retryInMs: options.retryDelayMs },
          `${item} not applied; trying it again`,
        );
        await sleep(options.retryDelayMs, undefined, { signal: stop.signal }).catch(() => {});
      }
    }
    return false;
  }

  async function eachBatch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
  }: EachBatchPayload) {
    const beat = setInterval(() => {
      heartbeat().catch((err: unknown) => log.warn({ err }, 'heartbeat during a batch failed'));
    }, heartbeatMs);
    const owned = () => isRunning() && !isStale();
    const commit = (offset: string) =>
      member.consumer.commitOffsets([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: (BigInt(offset) + 1n).toString(),
        },
      ]);
    // Messages with nothing to apply are committed past with the next job, or once per batch.
    let committed: string | undefined;
    let whole = true;
    try {
      for (const message of batch.messages) {
        if (stop.signal.aborted || !owned()) {
          whole = false;
          break;
        }
        const job = options.jobOf(message, batch);
        if (job) {
          metrics?.shared.receivedEvents.inc({ component: COMPONENT });
          if (!(await settle(job, owned))) {
            whole = false;
            break;
          }
          // Committed only now: the job's write is durable.
          await commit(message.offset);
          committed = message.offset;
        }
        resolveOffset(message.offset);
      }
      // The whole batch done: committed past its last offset, which counts the commit markers a
      // transactional writer (the bronze sink) leaves after its messages – they never reach this
      // loop, and committing past the last message alone would leave a lag of 1 for good.
      const last = batch.lastOffset();
      if (whole && last !== committed && owned()) await commit(last);
    } finally {
      clearInterval(beat);
    }
  }

  return {
    signal: stop.signal,
    fatal,
    async start() {
      try {
        await options.companions?.start();
        await member.start({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: (payload) => {
            const run = eachBatch(payload);
            const tracked = run.finally(() => inFlight.delete(tracked));
            inFlight.add(tracked);
            return run;
          },
        });
      } catch (err) {
        // Shut down while starting: not a failure.
        if (stop.signal.aborted) return;
        throw err;
      }
    },
    stopIntake() {
      if (!stop.signal.aborted) stop.abort(new Error('shutting down'));
      member.pause();
    },
    async flush() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      await member.close();
      await options.companions?.close();
    },
    checkReady() {
      if (stop.signal.aborted) throw new Error('shutting down');
      member.checkReady();
      if (lastFailure !== undefined) {
        throw new Error(
          `the last ${item} failed: ${(lastFailure as Error).message ?? String(lastFailure)}`,
        );
      }
    },
  };
}
