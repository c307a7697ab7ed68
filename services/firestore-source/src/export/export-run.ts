/**
 * One export run: one read time for every project and collection, then per collection: read it
 * (and its subcollections) into gzip NDJSON objects, put them in the lake, record the run, publish
 * each object's manifest and wait until the loader is done with them – a table whose manifest the
 * loader dead-lettered instead of loading fails. A collection that fails is
 * reported and the others go on; a re-run of a run id whose collection is recorded in the lake
 * announces the recorded manifests again without reading.
 */
import { hostname } from 'node:os';
import { Firestore, type Timestamp } from '@google-cloud/firestore';
import { topicEnds } from '@lakestream/kafka';
import {
  type BronzeFileManifest,
  BronzeFileManifestSchema,
  type DeadLetterReason,
  firestoreExportKey,
  firestoreWarehouseSchema,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { faultPoint, type Logger } from '@lakestream/observability';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { type Announced, publishManifest, waitForLoader } from './announce.js';
import type { TableOutput } from './collection-tree.js';
import { readCollectionTree } from './collection-tree.js';
import type { ExportConfig } from './config.js';
import { timestampJson } from './encode.js';
import { ExportError, storeFailed } from './errors.js';
import type { ExportMetrics } from './export-metrics.js';
import { type PageInfo, type ReadRetry, serverReadTime } from './read.js';
import { loaderRejections } from './rejections.js';
import { findRunRecord, runRecordKey, writeRunRecord } from './run-record.js';

/** The outcome of one table of a run. */
export interface TableResult {
  project: string;
  /** Warehouse table: the collection, or `<collection>__<subcollection>`. */
  table: string;
  status: 'exported' | 'reused' | 'failed';
  documents: number;
  /** Size of the gzip object. */
  bytes: number;
  columns: number;
  seconds: number;
  key?: string;
  error?: ExportError;
}

/** What a run needs. */
export interface ExportContext {
  config: Pick<
    ExportConfig,
    | 'projects'
    | 'collections'
    | 'subcollections'
    | 'pageSize'
    | 'manifestTopic'
    | 'loaderGroup'
    | 'deadLetterTopic'
    | 'waitTimeoutMs'
    | 'maxAttempts'
    | 'retryBaseMs'
  >;
  store: ObjectStore;
  kafka: Kafka;
  producer: Producer;
  admin: Admin;
  logger: Logger;
  metrics?: ExportMetrics;
  /** Skip the wait for the loader. */
  noWait?: boolean;
  /** The run id; default one made from the read time. */
  runId?: string;
  /** Aborted at shutdown: no collection starts after it; the one under way finishes. */
  stopping?: AbortSignal;
  /** Called before each page read (tests change documents here). */
  beforePage?: (info: PageInfo & { project: string }) => Promise<void>;
  onDocument?: () => void;
  /** Opens a project's client; default `new Firestore({ projectId, useBigInt: true })`. */
  firestore?: (project: string) => Firestore;
}

/** The run id made from a read time: `20261205T060131.834519Z`. */
export function runIdOf(readTime: Timestamp): string {
  return timestampJson(readTime).replace(/[-:]/g, '');
}

/** The result of a whole run. */
export interface RunResult {
  runId: string;
  readTime: string;
  tables: TableResult[];
}

/** Exports every configured collection once; never throws for a collection. */
export async function runExport(ctx: ExportContext): Promise<RunResult> {
  const { config, logger } = ctx;
  const retry: ReadRetry = {
    maxAttempts: config.maxAttempts,
    baseMs: config.retryBaseMs,
    onRetry: (err, attempt) => {
      ctx.metrics?.shared.errors.inc({ component: 'firestore_export', code: codeOf(err) });
      logger.warn({ err, attempt }, 'retrying');
    },
  };
  const open = ctx.firestore ?? ((projectId) => new Firestore({ projectId, useBigInt: true }));
  const clients = new Map<string, Firestore>();
  const client = (project: string) => {
    let db = clients.get(project);
    if (db === undefined) {
      db = open(project);
      clients.set(project, db);
    }
    return db;
  };
  try {
    const readTime = await serverReadTime(
      client(config.projects[0]!),
      config.collections[0]!,
      retry,
    );
    const runId = ctx.runId ?? runIdOf(readTime);
    logger.info({ runId, readTime: timestampJson(readTime) }, 'export run');
    const tables: TableResult[] = [];
    for (const project of config.projects) {
      for (const collection of config.collections) {
        if (ctx.stopping?.aborted) {
          tables.push(
            failed(
              project,
              collection,
              new ExportError('LS_FIRESTORE_EXPORT_SOURCE_FAILED', 'not started: shutting down'),
            ),
          );
          continue;
        }
        const started = Date.now();
        try {
          tables.push(
            ...(await exportCollection(ctx, {
              db: client(project),
              project,
              collection,
              readTime,
              runId,
              retry,
            })),
          );
        } catch (err) {
          const error = asExportError(err);
          logger.error({ err: error, project, collection }, 'collection export failed');
          ctx.metrics?.shared.errors.inc({ component: 'firestore_export', code: error.code });
          tables.push({
            ...failed(project, collection, error),
            seconds: (Date.now() - started) / 1000,
          });
        }
      }
    }
    return { runId, readTime: timestampJson(readTime), tables };
  } finally {
    for (const db of clients.values()) await db.terminate().catch(() => {});
  }
}

interface CollectionJob {
  db: Firestore;
  project: string;
  collection: string;
  readTime: Timestamp;
  runId: string;
  retry: ReadRetry;
}

async function exportCollection(ctx: ExportContext, job: CollectionJob): Promise<TableResult[]> {
  const started = Date.now();
  const recordKey = runRecordKey(job.project, job.collection, job.runId);
  let manifests = ctx.runId === undefined ? undefined : await findRunRecord(ctx.store, recordKey);
  const reused = manifests !== undefined;
  if (manifests === undefined) {
    const outputs = await readCollectionTree(
      {
        db: job.db,
        readTime: job.readTime,
        row: { runId: job.runId, readTime: timestampJson(job.readTime) },
        pageSize: ctx.config.pageSize,
        subcollections: ctx.config.subcollections,
        retry: job.retry,
        ...(ctx.beforePage
          ? { beforePage: (info) => ctx.beforePage!({ ...info, project: job.project }) }
          : {}),
        ...(ctx.onDocument ? { onDocument: ctx.onDocument } : {}),
      },
      job.db.collection(job.collection),
    );
    manifests = [];
    for (const out of outputs) {
      manifests.push(await putObject(ctx, job, out));
      faultPoint('firestore-export.after-put');
    }
    await writeRunRecord(ctx.store, recordKey, manifests);
    faultPoint('firestore-export.after-record');
  } else {
    ctx.logger.info(
      { project: job.project, collection: job.collection, runId: job.runId },
      'run already in the lake: announcing it again',
    );
  }
  // A rejection of this run's manifests lies after the dead-letter topic's ends now.
  const lettersFrom = ctx.noWait
    ? undefined
    : await topicEnds(ctx.admin, ctx.config.deadLetterTopic);
  const announced: Announced[] = [];
  for (const manifest of manifests) {
    announced.push(await publishManifest(ctx.producer, ctx.config.manifestTopic, manifest));
  }
  let rejected = new Map<number, DeadLetterReason>();
  if (lettersFrom !== undefined) {
    await waitForLoader(announced, {
      admin: ctx.admin,
      topic: ctx.config.manifestTopic,
      group: ctx.config.loaderGroup,
      timeoutMs: ctx.config.waitTimeoutMs,
    });
    rejected = await loaderRejections(ctx.kafka, {
      deadLetterTopic: ctx.config.deadLetterTopic,
      manifestTopic: ctx.config.manifestTopic,
      announced,
      from: lettersFrom,
      timeoutMs: ctx.config.waitTimeoutMs,
    });
  }
  const seconds = (Date.now() - started) / 1000;
  return manifests.map((m, i) => {
    const table = m.source.target_table;
    const reason = rejected.get(i);
    if (reason !== undefined) {
      const error = new ExportError(
        'LS_FIRESTORE_EXPORT_REJECTED',
        `the loader rejected ${m.key} (${ctx.config.manifestTopic} partition ${announced[i]!.partition} offset ${announced[i]!.offset}): ${reason.code}: ${reason.message}`,
        { details: { key: m.key, loaderCode: reason.code } },
      );
      ctx.logger.error(
        { err: error, project: job.project, table },
        'snapshot rejected by the loader',
      );
      ctx.metrics?.shared.errors.inc({ component: 'firestore_export', code: error.code });
      return { ...failed(job.project, table, error), seconds, key: m.key };
    }
    const labels = { project: job.project, table };
    ctx.metrics?.documents.inc(labels, reused ? 0 : m.record_count);
    ctx.metrics?.bytes.inc(labels, reused ? 0 : m.bytes);
    ctx.metrics?.seconds.set(labels, seconds);
    return {
      project: job.project,
      table,
      status: reused ? 'reused' : 'exported',
      documents: m.record_count,
      bytes: m.bytes,
      columns: m.source.columns.length,
      seconds,
      key: m.key,
    };
  });
}

async function putObject(
  ctx: ExportContext,
  job: CollectionJob,
  out: TableOutput,
): Promise<BronzeFileManifest> {
  const { body, records, uncompressedBytes } = await out.writer.finish();
  const key = firestoreExportKey(job.project, out.table, job.readTime.toDate(), job.runId);
  // The store retries a transient failure inside the call; what reaches here has outlasted them.
  await ctx.store.put(key, body, { contentType: 'application/gzip' }).catch((err: unknown) => {
    throw storeFailed(err, `writing ${key}`);
  });
  return BronzeFileManifestSchema.parse({
    version: 1,
    kind: 'file',
    uri: ctx.store.uri(key),
    key,
    record_count: records,
    bytes: body.length,
    uncompressed_bytes: uncompressedBytes,
    written_at: new Date().toISOString(),
    writer: `firestore-source@${hostname()}`,
    format: 'jsonl.gz',
    source: {
      dataset: 'firestore',
      project: job.project,
      collection: out.collectionId,
      run_id: job.runId,
      read_time: timestampJson(job.readTime),
      target_schema: firestoreWarehouseSchema(job.project),
      target_table: out.table,
      columns: out.types.columns(),
    },
  });
}

function failed(project: string, table: string, error: ExportError): TableResult {
  return {
    project,
    table,
    status: 'failed',
    documents: 0,
    bytes: 0,
    columns: 0,
    seconds: 0,
    error,
  };
}

function asExportError(err: unknown): ExportError {
  if (err instanceof ExportError) return err;
  return new ExportError('LS_FIRESTORE_EXPORT_SOURCE_FAILED', (err as Error).message, {
    cause: err,
  });
}

function codeOf(err: unknown): string {
  return err instanceof ExportError ? err.code : 'LS_FIRESTORE_EXPORT_SOURCE_FAILED';
}
