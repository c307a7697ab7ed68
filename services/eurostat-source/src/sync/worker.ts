/**
 * The sync worker: consumes lakestream.eurostat.updates.v1 in group lakestream-eurostat-source-sync
 * (the pipeline's one consumer lifecycle, packages/kafka's managed consumer) and syncs each event's
 * dataset, one event at a time in partition order. An event's offset is committed only once its
 * version is loaded, found unchanged or rejected by the quality gate – at least once: a crash
 * before the commit delivers the event again, and the load is idempotent (a loaded version is
 * skipped), so the same event twice is one load.
 *
 * A transient failure (Eurostat unavailable, an asynchronous answer not ready, PostgreSQL or the
 * store down) keeps the offset and tries the same event again after `retryDelayMs`. A failure no
 * retry changes (unknown dataset, a malformed answer, an event that is not one) is logged, counted
 * and committed past, so one bad dataset does not hold the datasets behind it on the partition.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from '@lakestream/config';
import { createManagedConsumer, TOPICS, topicSpec } from '@lakestream/kafka';
import { type EurostatUpdateEvent, parseEurostatUpdateEvent } from '@lakestream/lake';
import { faultPoint, type Logger } from '@lakestream/observability';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import { COMPONENTS, type EurostatMetrics } from '../metrics.js';
import { SCHEMA } from '../pg/schema.js';
import { type SyncDeps, type SyncOutcome, syncDataset } from './sync-version.js';

/** Options of `createSyncWorker`. */
export interface SyncWorkerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
  retryDelayMs: number;
  sync: Omit<SyncDeps, 'signal' | 'logger' | 'metrics'>;
  logger: Logger;
  metrics?: EurostatMetrics;
  onFatal?: (err: unknown) => void;
  /** Each settled event (tests and the log). */
  onSettled?: (event: EurostatUpdateEvent, outcome: SyncOutcome | Error) => void;
}

/** The running worker. */
export interface SyncWorker {
  start(): Promise<void>;
  /** Stops taking events: the one under way is abandoned at its next await (its offset stays). */
  stopIntake(): void;
  /** Resolves when no batch is in flight. */
  flush(): Promise<void>;
  close(): Promise<void>;
  checkReady(): void;
}

const component = COMPONENTS.sync;
const codeOf = (err: unknown) => String((err as { code?: unknown }).code ?? 'unknown');

export function createSyncWorker(options: SyncWorkerOptions): SyncWorker {
  const { metrics } = options;
  const log = options.logger.child({ component: 'sync-worker' });
  const stop = new AbortController();
  const heartbeatMs = Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3));
  const member = createManagedConsumer({
    kafka: options.kafka,
    consumer: {
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: heartbeatMs,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
    },
    topics: [options.topic],
    ensureTopics: [topicSpec(TOPICS.eurostatUpdates, options.topic)],
    logger: log,
    signal: stop.signal,
    onCrash: (err) => metrics?.shared.errors.inc({ component, code: codeOf(err) }),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  const inFlight = new Set<Promise<unknown>>();
  let lastFailure: unknown;

  /** Syncs the event until it is settled (true), or the worker stops or loses the partition. */
  async function settle(event: EurostatUpdateEvent, owned: () => boolean): Promise<boolean> {
    const fields = { code: event.code, updateTime: event.update_time, force: event.force };
    while (!stop.signal.aborted && owned()) {
      try {
        const outcome = await syncDataset(
          { ...options.sync, logger: log, signal: stop.signal, ...(metrics ? { metrics } : {}) },
          { code: event.code, updateTime: event.update_time, force: event.force },
        );
        // The fault suite's crash point: the version is settled, its offset not committed.
        faultPoint('eurostat-source.sync-after-load');
        log.info({ ...fields, ...outcome }, `update event settled: ${outcome.status}`);
        metrics?.shared.lastSuccess.set({ component }, Date.now() / 1000);
        lastFailure = undefined;
        options.onSettled?.(event, outcome);
        return true;
      } catch (err) {
        if (stop.signal.aborted) return false;
        metrics?.shared.errors.inc({ component, code: codeOf(err) });
        if (!isRetryable(err)) {
          log.error({ err, ...fields }, 'update event cannot be synced; passing it');
          options.onSettled?.(event, err as Error);
          return true;
        }
        lastFailure = err;
        log.error({ err, ...fields, retryInMs: options.retryDelayMs }, 'sync failed; trying again');
        await sleep(options.retryDelayMs, undefined, { signal: stop.signal }).catch(() => {});
      }
    }
    return false;
  }

  function eventOf(message: KafkaMessage): EurostatUpdateEvent | undefined {
    try {
      return parseEurostatUpdateEvent(message.value ?? '');
    } catch (err) {
      metrics?.shared.errors.inc({ component, code: 'LS_EUROSTAT_EVENT_INVALID' });
      log.error({ err, offset: message.offset }, 'skipping a message that is no update event');
      return undefined;
    }
  }

  async function eachBatch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
  }: EachBatchPayload) {
    const beat = setInterval(() => {
      heartbeat().catch((err: unknown) => log.warn({ err }, 'heartbeat during a sync failed'));
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
    try {
      for (const message of batch.messages) {
        if (stop.signal.aborted || !owned()) break;
        const event = eventOf(message);
        if (event) {
          metrics?.shared.receivedEvents.inc({ component });
          if (!(await settle(event, owned))) break;
          await updateBehind(options.sync.pool, metrics, log);
        }
        // Committed only now: the version is loaded, unchanged or rejected.
        await commit(message.offset);
        resolveOffset(message.offset);
      }
    } finally {
      clearInterval(beat);
    }
  }

  return {
    async start() {
      try {
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
    close: () => member.close(),
    checkReady() {
      if (stop.signal.aborted) throw new Error('shutting down');
      member.checkReady();
      if (lastFailure !== undefined) {
        throw new Error(`the last sync failed: ${(lastFailure as Error).message}`);
      }
    },
  };
}

/** `lakestream_eurostat_datasets_behind`: announced versions not loaded (nor a later one). */
async function updateBehind(pool: pg.Pool, metrics: EurostatMetrics | undefined, log: Logger) {
  if (!metrics) return;
  try {
    const { rows } = await pool.query<{ behind: string }>(
      `SELECT count(DISTINCT a.code) AS behind FROM ${SCHEMA}.announcements a
        WHERE NOT EXISTS (SELECT 1 FROM ${SCHEMA}.loads l
                           WHERE l.code = a.code AND l.update_time >= a.update_time)`,
    );
    metrics.datasetsBehind.set(Number(rows[0]?.behind ?? 0));
  } catch (err) {
    log.warn({ err }, 'counting the datasets behind failed');
  }
}
