import { setTimeout as sleep } from 'node:timers/promises';
import { withRetry } from '@lakestream/config';
import { createManagedConsumer, TOPICS, topicSpec, withKafkaStartRetry } from '@lakestream/kafka';
import {
  DB_SYNC_VERSION,
  type DbSyncApplied,
  type DbSyncBatch,
  DbSyncBatchSchema,
  dbSyncKey,
  dbWarehouseSchema,
} from '@lakestream/lake';
import { faultPoint, type Logger } from '@lakestream/observability';
import type { EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { BronzeIndex, followBronzeManifests, waitForCoverage } from './db-coverage.js';
import type { DbWriter } from './db-writer.js';
import { LoaderError, metricCode } from './errors.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';
import type { Worker } from './worker.js';

/** Options of `createDbWorker`. */
export interface DbWorkerOptions {
  kafka: Kafka;
  writer: DbWriter;
  /** The sync batch announcements (`lakestream.db.sync-batches.v1`). */
  batchesTopic: string;
  /** Where confirmations go (`lakestream.db.sync-applied.v1`). */
  appliedTopic: string;
  /** The bronze manifests (`lakestream.bronze.files.v1`). */
  bronzeFilesTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
  /** Longest wait for the bronze manifests to cover a batch. */
  coverageTimeoutMs: number;
  /** Pause before a failed batch is tried again. */
  retryDelayMs: number;
  /** Retries of a DuckDB file held by another process, within one try. */
  retry: { retries: number; baseMs: number; maxMs: number };
  logger: Logger;
  metrics?: LoaderMetrics;
  onFatal?: (err: unknown) => void;
}

/**
 * The db worker: applies the database sync batches strictly in topic order, one at a time. Per
 * announcement: wait until the bronze manifests cover its ranges → apply it (or find it applied
 * already) → produce its confirmation → commit the announcement's offset. A failure keeps the
 * offset where it is and tries the same batch again after `retryDelayMs`, the worker not ready
 * meanwhile; a crash anywhere before the commit finds the batch recorded on restart and
 * publishes its confirmation again.
 */
export function createDbWorker(options: DbWorkerOptions): Worker {
  const { kafka, metrics, writer } = options;
  const log = options.logger.child({ component: 'db-worker' });
  const heartbeatMs = Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3));
  const stop = new AbortController();
  const fatal = (cause: unknown) =>
    new LoaderError('LS_LOADER_CONSUMER_CRASHED', 'the sync batch consumer stopped', { cause });
  const index = new BronzeIndex();
  const feed = followBronzeManifests({
    kafka,
    topic: options.bronzeFilesTopic,
    index,
    logger: log,
    signal: stop.signal,
    ...(options.onFatal ? { onFatal: (err: unknown) => options.onFatal?.(fatal(err)) } : {}),
  });
  const member = createManagedConsumer({
    kafka,
    consumer: {
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: heartbeatMs,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
    },
    topics: [options.batchesTopic],
    ensureTopics: [
      topicSpec(TOPICS.dbSyncBatches, options.batchesTopic),
      topicSpec(TOPICS.dbSyncApplied, options.appliedTopic),
    ],
    logger: log,
    signal: stop.signal,
    onCrash: (err) => metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) }),
    fatalError: fatal,
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const inFlight = new Set<Promise<unknown>>();
  let lastFailure: unknown;

  /** Applies one announcement until it is done, or the worker stops or loses the partition. */
  async function handle(message: KafkaMessage, stillOwned: () => boolean): Promise<boolean> {
    const offset = Number(message.offset);
    const parsed = DbSyncBatchSchema.safeParse(safeJson(message.value?.toString('utf8')));
    if (!parsed.success) {
      // Nothing in it says which table it is for: it cannot block one, nor be applied.
      log.error(
        { offset, issues: parsed.error.issues },
        'skipping a message that is not a sync batch',
      );
      metrics?.shared.errors.inc({ component: COMPONENT, code: 'LS_LOADER_DB_BATCH_INVALID' });
      return true;
    }
    const batch = parsed.data;
    const fields = {
      offset,
      run_id: batch.run_id,
      attempt: batch.attempt,
      table: `${batch.database}.${batch.table}`,
    };
    while (!stop.signal.aborted && stillOwned()) {
      const started = performance.now();
      try {
        const pieces = await waitForCoverage(index, batch, {
          timeoutMs: options.coverageTimeoutMs,
          signal: stop.signal,
        });
        const outcome = await withRetry(() => writer.apply(batch, offset, pieces), {
          ...options.retry,
          signal: stop.signal,
          onRetry: ({ err, attempt: retry, delayMs }) => {
            metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
            log.warn(
              { err, retry, delayMs, ...fields },
              'applying the sync batch failed; retrying',
            );
          },
        });
        if (outcome.kind === 'superseded') {
          log.warn(
            { ...fields, lastOffset: outcome.lastOffset },
            'not applied: a later batch of the table is applied already; no confirmation',
          );
        } else {
          if (outcome.kind === 'applied') {
            observe(outcome.confirmation, performance.now() - started);
            // The fault suite's crash point: the batch is durable, its confirmation not sent.
            faultPoint('warehouse-loader.db-after-apply');
          } else {
            log.info(fields, 'applied before; publishing its confirmation again');
          }
          await confirm(outcome.confirmation);
        }
        if (lastFailure !== undefined) log.info(fields, 'applying sync batches works again');
        lastFailure = undefined;
        return true;
      } catch (err) {
        if (stop.signal.aborted) return false;
        if (isNeverApplicable(err)) {
          // Retrying would hold every other table's batches behind this one for good.
          metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
          log.error({ err, ...fields }, 'sync batch rejected: it cannot be applied; moving on');
          await confirm(rejection(batch, err, writer.kind));
          return true;
        }
        lastFailure = err;
        metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
        log.error(
          { err, ...fields, retryInMs: options.retryDelayMs },
          'sync batch not applied; trying it again',
        );
        await sleep(options.retryDelayMs, undefined, { signal: stop.signal }).catch(() => {});
      }
    }
    return false;
  }

  function observe(confirmation: DbSyncApplied, durationMs: number): void {
    log.info(
      {
        run_id: confirmation.run_id,
        table: confirmation.target_table,
        write: confirmation.write,
        rows_in: confirmation.rows_in,
        rows_after: confirmation.rows_after,
        rows_deleted: confirmation.rows_deleted,
        schema_changes: confirmation.schema_changes,
        durationMs: Math.round(durationMs),
      },
      'applied sync batch',
    );
    if (!metrics) return;
    metrics.batchesApplied.inc({ target: writer.kind });
    metrics.rowsLoaded.inc(
      {
        target: writer.kind,
        table: `${dbWarehouseSchema(confirmation.database)}.${confirmation.table}`,
      },
      confirmation.rows_in,
    );
    metrics.shared.batchDuration.observe({ component: COMPONENT }, durationMs / 1000);
    metrics.shared.sentEvents.inc({ component: COMPONENT }, confirmation.rows_in);
    metrics.shared.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
  }

  async function confirm(confirmation: DbSyncApplied): Promise<void> {
    await producer.send({
      topic: options.appliedTopic,
      acks: -1,
      messages: [
        {
          key: dbSyncKey(confirmation.database, confirmation.table),
          value: JSON.stringify(confirmation),
        },
      ],
    });
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
    try {
      for (const message of batch.messages) {
        if (stop.signal.aborted || !owned()) return;
        metrics?.shared.receivedEvents.inc({ component: COMPONENT });
        if (!(await handle(message, owned))) return;
        // Committed only now: the batch is durable and confirmed.
        const next = (BigInt(message.offset) + 1n).toString();
        await member.consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: next },
        ]);
        resolveOffset(message.offset);
      }
    } finally {
      clearInterval(beat);
    }
  }

  return {
    async start() {
      const retry = { logger: log, signal: stop.signal };
      try {
        await withKafkaStartRetry(
          'connect the confirmation producer',
          () => producer.connect(),
          retry,
        );
        await feed.start();
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
    async close() {
      await member.close();
      await feed.close();
      await producer
        .disconnect()
        .catch((err: unknown) => log.warn({ err }, 'producer disconnect failed'));
    },
    checkReady() {
      if (stop.signal.aborted) throw new Error('shutting down');
      member.checkReady();
      if (lastFailure !== undefined) {
        throw new Error(
          `the last sync batch failed: ${(lastFailure as Error).message ?? String(lastFailure)}`,
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

/**
 * Faults no retry can mend: the batch's records are not in bronze after the whole wait (their
 * table's bronze sink is not running, or they were never produced), or they do not match it.
 */
function isNeverApplicable(err: unknown): err is LoaderError {
  return (
    err instanceof LoaderError &&
    (err.code === 'LS_LOADER_DB_NOT_IN_BRONZE' || err.code === 'LS_LOADER_DB_BATCH_INVALID')
  );
}

/** The answer to a batch the warehouse will never apply: the sync fails the table at once. */
function rejection(batch: DbSyncBatch, err: LoaderError, target: DbWriter['kind']): DbSyncApplied {
  return {
    version: DB_SYNC_VERSION,
    outcome: 'rejected',
    error: { code: err.code, message: err.message },
    run_id: batch.run_id,
    attempt: batch.attempt,
    database: batch.database,
    table: batch.table,
    write: batch.write,
    target,
    target_table: `${dbWarehouseSchema(batch.database)}.${batch.table}`,
    rows_in: 0,
    rows_after: 0,
    rows_deleted: 0,
    schema_changes: [],
    applied_at: new Date().toISOString(),
  };
}
