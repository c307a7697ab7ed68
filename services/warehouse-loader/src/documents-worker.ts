/**
 * The documents worker: consumes the bronze manifest topic in its own group and applies the
 * document sources' objects – a Firestore collection export replaces its snapshot table; a bronze
 * object of the quality reports topic is merged into `reports.quality_stream` – committing each
 * message's offset only after its warehouse write is durable, or – for an object that can never
 * be applied – after its dead letter is. A waiting command (an export run) therefore knows its
 * manifest is settled once the group's committed offset is past it, and rejected if the
 * dead-letter topic names it.
 */
import { withRetry } from '@lakestream/config';
import {
  createIdempotentProducer,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import {
  type BronzeAnnouncement,
  type BronzeFileManifest,
  isFirestoreFileManifest,
  type ManifestPosition,
  parseBronzeAnnouncement,
} from '@lakestream/lake';
import { faultPoint, type Logger } from '@lakestream/observability';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { deadLetterFailed, rejectedManifestMessage } from './documents-dead-letter.js';
import type { DocumentsWriter } from './documents-writer.js';
import { LoaderError, metricCode } from './errors.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';
import { createOrderedWorker, type MessageJob } from './ordered-worker.js';
import type { Worker } from './worker.js';

/**
 * An announcement this worker applies: a topic manifest, or a Firestore export's file manifest
 * (other datasets' raw files, a Eurostat answer, are loaded by their own source).
 */
type Applicable =
  | Exclude<BronzeAnnouncement, { kind: 'file' }>
  | { kind: 'file'; manifest: BronzeFileManifest };

/** Options of `createDocumentsWorker`. */
export interface DocumentsWorkerOptions {
  kafka: Kafka;
  writer: DocumentsWriter;
  /** The bronze manifests (`lakestream.bronze.files.v1`). */
  manifestsTopic: string;
  /** The topic whose bronze objects hold quality reports (`lakestream.quality_reports.v1`). */
  qualityReportsTopic: string;
  /** Where the manifests that can never be applied go (`lakestream.firestore.quarantine.v1`). */
  deadLetterTopic: string;
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
 * with (another topic's manifest) is committed past at once; one that is no manifest is logged,
 * counted and passed; one whose object can never be applied (`LS_LOADER_DOCUMENTS_INVALID`) is
 * logged, counted, dead-lettered (acks from all in-sync replicas) and only then passed. Any other
 * failure, a dead letter the broker did not take included, keeps the offset and tries the same
 * message again after `retryDelayMs`, the worker not ready meanwhile.
 */
export function createDocumentsWorker(options: DocumentsWorkerOptions): Worker {
  const { kafka, metrics, writer } = options;
  const log = options.logger.child({ component: 'documents-worker' });
  const count = (code: string) => metrics?.shared.errors.inc({ component: COMPONENT, code });
  const producer = createIdempotentProducer(kafka);

  /** The announcement if it is one for this worker, else undefined (skipped). */
  function relevant(message: KafkaMessage): Applicable | undefined {
    let announcement: BronzeAnnouncement;
    try {
      announcement = parseBronzeAnnouncement(message.value ?? '');
    } catch (err) {
      log.warn({ err, offset: message.offset }, 'skipping a message that is not a manifest');
      count('LS_LOADER_MANIFEST_INVALID');
      return undefined;
    }
    if (announcement.kind === 'file') {
      const { manifest } = announcement;
      return isFirestoreFileManifest(manifest) ? { kind: 'file', manifest } : undefined;
    }
    return announcement.manifest.topic === options.qualityReportsTopic ? announcement : undefined;
  }

  async function apply(
    announcement: Applicable,
    fields: object,
    signal: AbortSignal,
  ): Promise<void> {
    const started = performance.now();
    const retry = {
      ...options.retry,
      signal,
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

  /** Publishes the manifest's dead letter; resolves once all in-sync replicas have it. */
  async function reject(at: ManifestPosition, message: KafkaMessage, err: LoaderError) {
    try {
      await producer.send({
        topic: options.deadLetterTopic,
        acks: -1,
        messages: [rejectedManifestMessage(at, message.value, err)],
      });
    } catch (cause) {
      throw deadLetterFailed(options.deadLetterTopic, at, cause);
    }
  }

  function jobOf(
    message: KafkaMessage,
    { topic, partition }: { topic: string; partition: number },
  ): MessageJob | undefined {
    const announcement = relevant(message);
    if (!announcement) return undefined;
    const fields = { offset: Number(message.offset), key: announcement.manifest.key };
    const at = { topic, partition, offset: message.offset };
    // Kept across tries: a dead letter that failed to publish is sent again without loading again.
    let rejection: LoaderError | undefined;
    return {
      fields,
      async run(signal) {
        if (rejection === undefined) {
          try {
            await apply(announcement, fields, signal);
            // The fault suite's crash point: the object's rows are durable, its offset not committed.
            faultPoint('warehouse-loader.documents-after-apply');
            return;
          } catch (err) {
            if (signal.aborted || !(err instanceof LoaderError)) throw err;
            if (err.code !== 'LS_LOADER_DOCUMENTS_INVALID') throw err;
            // Retrying would hold every later manifest of the partition behind this one for good.
            count(err.code);
            log.error({ err, ...fields }, 'object cannot be applied; dead-lettering it');
            rejection = err;
          }
        }
        await reject(at, message, rejection);
      },
    };
  }

  const worker = createOrderedWorker({
    kafka,
    topic: options.manifestsTopic,
    ensureTopics: [
      topicSpec(TOPICS.bronzeFiles, options.manifestsTopic),
      topicSpec(TOPICS.firestoreQuarantine, options.deadLetterTopic),
    ],
    groupId: options.groupId,
    sessionTimeoutMs: options.sessionTimeoutMs,
    retryDelayMs: options.retryDelayMs,
    item: 'object',
    logger: log,
    ...(metrics ? { metrics } : {}),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    jobOf,
    companions: {
      start: () =>
        withKafkaStartRetry('connect the dead-letter producer', () => producer.connect(), {
          logger: log,
          signal: worker.signal,
        }),
      close: () =>
        producer
          .disconnect()
          .catch((err: unknown) => log.warn({ err }, 'producer disconnect failed')),
    },
  });
  return worker;
}
