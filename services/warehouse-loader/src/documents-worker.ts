/**
 * The documents worker: consumes the bronze manifest topic in its own group and applies the
 * document sources' objects – a Firestore collection export replaces its snapshot table; a bronze
 * object of the quality reports topic is merged into `reports.quality_stream` – committing each
 * message's offset only after its warehouse write is durable. A waiting command (an export run)
 * therefore knows its manifest is applied once the group's committed offset is past it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withRetry } from '@lakestream/config';
import { createManagedConsumer, TOPICS, topicSpec } from '@lakestream/kafka';
import { type BronzeAnnouncement, parseBronzeAnnouncement } from '@lakestream/lake';
import type { Logger } from '@lakestream/observability';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { DocumentsWriter } from './documents-writer.js';
import { LoaderError, metricCode } from './errors.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';
import type { Worker } from './worker.js';

/** Options of `createDocumentsWorker`. */
export interface DocumentsWorkerOptions {
  kafka: Kafka;
  writer: DocumentsWriter;
  /** The bronze manifests (`lakestream.bronze.files.v1`). */
  manifestsTopic: string;
  /** The topic whose bronze objects hold quality reports (`lakestream.quality_reports.v1`). */
  qualityReportsTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
  /** Pause before a failed object is tried again. */
  retryDelayMs: number;
  /** Retries of a transient failure (DuckDB file held by another process), within one try. */
  retry: { retries: number; baseMs: number; maxMs: number };
  logger: Logger;
  metrics?: LoaderMetrics;
  onFatal?: (err: unknown) => void;
}

/**
 * The worker applies its messages in topic order, one at a time. A message it has nothing to do
 * with (another topic's manifest) is committed past at once; one that is no manifest, or whose
 * object can never be applied (`LS_LOADER_DOCUMENTS_INVALID`), is logged, counted and passed;
 * any other failure keeps the offset and tries the same message again after `retryDelayMs`, the
 * worker not ready meanwhile.
 */
export function createDocumentsWorker(options: DocumentsWorkerOptions): Worker {
  const { kafka, metrics, writer } = options;
  const log = options.logger.child({ component: 'documents-worker' });
  const heartbeatMs = Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3));
  const stop = new AbortController();
  const member = createManagedConsumer({
    kafka,
    consumer: {
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: heartbeatMs,
      // A records manifest counts once the bronze sink's transaction committed.
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
    },
    topics: [options.manifestsTopic],
    ensureTopics: [topicSpec(TOPICS.bronzeFiles, options.manifestsTopic)],
    logger: log,
    signal: stop.signal,
    onCrash: (err) => metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) }),
    fatalError: (cause) =>
      new LoaderError('LS_LOADER_CONSUMER_CRASHED', 'the documents consumer stopped', { cause }),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  const inFlight = new Set<Promise<unknown>>();
  let lastFailure: unknown;

  const count = (code: string) => metrics?.shared.errors.inc({ component: COMPONENT, code });

  /** The announcement if it is one for this worker, else undefined (skipped). */
  function relevant(message: KafkaMessage): BronzeAnnouncement | undefined {
    let announcement: BronzeAnnouncement;
    try {
      announcement = parseBronzeAnnouncement(message.value ?? '');
    } catch (err) {
      log.warn({ err, offset: message.offset }, 'skipping a message that is not a manifest');
      count('LS_LOADER_MANIFEST_INVALID');
      return undefined;
    }
    if (announcement.kind === 'file') {
      return announcement.manifest.source.dataset === 'firestore' ? announcement : undefined;
    }
    return announcement.manifest.topic === options.qualityReportsTopic ? announcement : undefined;
  }

  async function apply(announcement: BronzeAnnouncement, fields: object): Promise<void> {
    const started = performance.now();
    const retry = {
      ...options.retry,
      signal: stop.signal,
      onRetry: ({ err, attempt, delayMs }: { err: unknown; attempt: number; delayMs: number }) => {
        count(metricCode(err));
        log.warn({ err, retry: attempt, delayMs, ...fields }, 'applying failed; retrying');
      },
    };
    let rows: number;
    let table: string;
    if (announcement.kind === 'file') {
      const { manifest } = announcement;
      const outcome = await withRetry(() => writer.replaceSnapshot(manifest), retry);
      table = outcome.table;
      rows = outcome.kind === 'replaced' ? outcome.rows : 0;
      if (outcome.kind === 'replaced') log.info({ ...fields, table, rows }, 'snapshot replaced');
      else if (outcome.kind === 'recorded') log.info({ ...fields, table }, 'run loaded before');
      else {
        log.warn(
          { ...fields, table, loadedReadTime: outcome.loadedReadTime },
          'not loaded: a later read time of the collection is loaded already',
        );
      }
    } else {
      const { manifest } = announcement;
      const outcome = await withRetry(() => writer.mergeQualityReports(manifest), retry);
      table = 'reports.quality_stream';
      rows = outcome.changed;
      for (const bad of outcome.invalid) {
        count('LS_LOADER_QUALITY_REPORT_INVALID');
        log.error(
          { ...fields, partition: bad.partition, sourceOffset: bad.offset, reason: bad.reason },
          'skipping a record that is not a quality report (it stays in bronze)',
        );
      }
      const { reports, staged, changed } = outcome;
      log.info(
        { ...fields, reports, invalid: outcome.invalid.length, staged, changed },
        'quality reports merged',
      );
    }
    if (!metrics) return;
    metrics.rowsLoaded.inc({ target: writer.kind, table }, rows);
    metrics.shared.batchDuration.observe(
      { component: COMPONENT },
      (performance.now() - started) / 1000,
    );
    metrics.shared.sentEvents.inc({ component: COMPONENT }, rows);
    metrics.shared.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
  }

  /**
   * Applies one message until it is done, or the worker stops or loses the partition: true when
   * it is done with (applied or passed), 'skipped' when it was none of this worker's.
   */
  async function handle(
    message: KafkaMessage,
    stillOwned: () => boolean,
  ): Promise<boolean | 'skipped'> {
    const announcement = relevant(message);
    if (!announcement) return 'skipped';
    const fields = { offset: Number(message.offset), key: announcement.manifest.key };
    while (!stop.signal.aborted && stillOwned()) {
      try {
        await apply(announcement, fields);
        if (lastFailure !== undefined) log.info(fields, 'applying document objects works again');
        lastFailure = undefined;
        return true;
      } catch (err) {
        if (stop.signal.aborted) return false;
        count(metricCode(err));
        if (err instanceof LoaderError && err.code === 'LS_LOADER_DOCUMENTS_INVALID') {
          // Retrying would hold every later manifest of the partition behind this one for good.
          log.error({ err, ...fields }, 'object cannot be applied; moving on');
          return true;
        }
        lastFailure = err;
        log.error({ err, ...fields, retryInMs: options.retryDelayMs }, 'not applied; retrying');
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
    // Other datasets' manifests (most of the topic) are committed past once per fetched batch.
    let skipped: string | undefined;
    try {
      for (const message of batch.messages) {
        if (stop.signal.aborted || !owned()) break;
        const done = await handle(message, owned);
        if (done === false) break;
        if (done === 'skipped') {
          skipped = message.offset;
        } else {
          metrics?.shared.receivedEvents.inc({ component: COMPONENT });
          // Committed only now: the object's rows are durable in the warehouse.
          await commit(message.offset);
          skipped = undefined;
        }
        resolveOffset(message.offset);
      }
      if (skipped !== undefined && owned()) await commit(skipped);
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
        throw new Error(`the last object failed: ${(lastFailure as Error).message}`);
      }
    },
  };
}
