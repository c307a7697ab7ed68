import { withRetry } from '@lakestream/config';
import {
  createIdempotentProducer,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import {
  DB_SYNC_VERSION,
  type DbSyncApplied,
  type DbSyncBatch,
  DbSyncBatchSchema,
  dbSyncKey,
  dbWarehouseSchema,
} from '@lakestream/lake';
import { faultPoint, type Logger } from '@lakestream/observability';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { BronzeIndex, followBronzeManifests, waitForCoverage } from './db-coverage.js';
import type { DbWriter } from './db-writer.js';
import { LoaderError, metricCode } from './errors.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';
import { createOrderedWorker, type MessageJob } from './ordered-worker.js';
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
  const index = new BronzeIndex();
  const producer: Producer = createIdempotentProducer(kafka);
  const worker = createOrderedWorker({
    kafka,
    topic: options.batchesTopic,
    ensureTopics: [
      topicSpec(TOPICS.dbSyncBatches, options.batchesTopic),
      topicSpec(TOPICS.dbSyncApplied, options.appliedTopic),
    ],
    groupId: options.groupId,
    sessionTimeoutMs: options.sessionTimeoutMs,
    retryDelayMs: options.retryDelayMs,
    item: 'sync batch',
    logger: log,
    ...(metrics ? { metrics } : {}),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    jobOf,
    companions: {
      async start() {
        await withKafkaStartRetry('connect the confirmation producer', () => producer.connect(), {
          logger: log,
          signal: worker.signal,
        });
        await feed.start();
      },
      async close() {
        await feed.close();
        await producer
          .disconnect()
          .catch((err: unknown) => log.warn({ err }, 'producer disconnect failed'));
      },
    },
  });
  const feed = followBronzeManifests({
    kafka,
    topic: options.bronzeFilesTopic,
    index,
    logger: log,
    signal: worker.signal,
    ...(options.onFatal ? { onFatal: (err: unknown) => options.onFatal?.(worker.fatal(err)) } : {}),
  });

  /** The announcement's job: wait for bronze → apply (or find it applied) → confirm. */
  function jobOf(message: KafkaMessage): MessageJob | undefined {
    const offset = Number(message.offset);
    const parsed = DbSyncBatchSchema.safeParse(safeJson(message.value?.toString('utf8')));
    if (!parsed.success) {
      // Nothing in it says which table it is for: it cannot block one, nor be applied.
      log.error(
        { offset, issues: parsed.error.issues },
        'skipping a message that is not a sync batch',
      );
      metrics?.shared.errors.inc({ component: COMPONENT, code: 'LS_LOADER_DB_BATCH_INVALID' });
      return undefined;
    }
    const batch = parsed.data;
    const fields = {
      offset,
      run_id: batch.run_id,
      attempt: batch.attempt,
      table: `${batch.database}.${batch.table}`,
    };
    return { fields, run: (signal) => apply(batch, offset, fields, signal) };
  }

  async function apply(
    batch: DbSyncBatch,
    offset: number,
    fields: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<void> {
    const started = performance.now();
    try {
      const pieces = await waitForCoverage(index, batch, {
        timeoutMs: options.coverageTimeoutMs,
        signal,
      });
      const outcome = await withRetry(() => writer.apply(batch, offset, pieces), {
        ...options.retry,
        signal,
        onRetry: ({ err, attempt: retry, delayMs }) => {
          metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
          log.warn({ err, retry, delayMs, ...fields }, 'applying the sync batch failed; retrying');
        },
      });
      if (outcome.kind === 'superseded') {
        log.warn(
          { ...fields, lastOffset: outcome.lastOffset },
          'not applied: a later batch of the table is applied already; no confirmation',
        );
        return;
      }
      if (outcome.kind === 'applied') {
        observe(outcome.confirmation, performance.now() - started);
        // The fault suite's crash point: the batch is durable, its confirmation not sent.
        faultPoint('warehouse-loader.db-after-apply');
      } else {
        log.info(fields, 'applied before; publishing its confirmation again');
      }
      await confirm(outcome.confirmation);
    } catch (err) {
      if (signal.aborted || !isNeverApplicable(err)) throw err;
      // Retrying would hold every other table's batches behind this one for good.
      metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
      log.error({ err, ...fields }, 'sync batch rejected: it cannot be applied; moving on');
      await confirm(rejection(batch, err, writer.kind));
    }
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

  return worker;
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
