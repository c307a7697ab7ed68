import { createHash, randomUUID } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isObjectExists, isObjectNotFound, type ObjectStore } from '@lakestream/object-store';
import { faultPoint, type Logger } from '@lakestream/observability';
import {
  type BatchInput,
  type BatchManifest,
  BatchManifestSchema,
  batchId,
  batchManifestKey,
  quarantinePrefix,
  SILVER_TABLE_NAMES,
  type SilverFile,
  type SilverTableName,
  stagingPrefix,
  tableBatchPrefix,
} from '@lakestream/silver';
import type { Kafka } from 'kafkajs';
import type { Announcer } from './announcer.js';
import { type BuiltBatch, buildBatch, type LocalInput } from './batch-builder.js';
import type { DiscoveryMode } from './config.js';
import {
  type BronzeObject,
  checkContiguous,
  committedOffsets,
  type Discovery,
  listCommittedObjects,
  objectsOfManifests,
  readManifestTopic,
  selectPending,
} from './discovery.js';
import { type DuckdbSession, type DuckdbSettings, openDuckdb } from './duckdb-session.js';
import { metricCode, TransformerError } from './errors.js';
import { COMPONENT, QUALITY_OUTCOMES, type TransformerMetrics } from './metrics.js';
import { mapLimit, readSilverState } from './silver-state.js';

/** What a batch run needs to know; a subset of `TransformerConfig`, so tests can build it directly. */
export interface TransformerSettings {
  sourceTopic: string;
  manifestTopic: string;
  bronzeGroupId: string;
  discover: DiscoveryMode;
  maxObjects?: number | undefined;
  discoveryTimeoutMs: number;
  /** Scratch folder. */
  workDir: string;
  /** Prefix of the throwaway consumer group that reads the manifest topic. */
  kafkaClientId: string;
  duckdb?: DuckdbSettings;
}

/** Options of `createTransformer`. */
export interface TransformerOptions {
  settings: TransformerSettings;
  /** The store holding bronze/ and silver/. */
  store: ObjectStore;
  /** The store's folder when it is a local one: DuckDB then reads and writes there directly. */
  localRoot?: string | undefined;
  kafka: Kafka;
  /** Announces published batches; none: no announcement. */
  announcer?: Announcer;
  logger: Logger;
  metrics: TransformerMetrics;
  /** Test seam: runs after the tables are built, before the quality gate. */
  afterBuild?: (session: DuckdbSession) => Promise<void>;
}

/** The outcome of a run with nothing new to do. */
export interface EmptyOutcome {
  kind: 'empty';
  discoveredBy: Discovery['by'];
  /** Committed bronze objects found (all already processed). */
  objectsFound: number;
  seconds: number;
}

/** The outcome of a run that published a batch. */
export interface PublishedOutcome {
  kind: 'published';
  discoveredBy: Discovery['by'];
  manifest: BatchManifest;
  manifestKey: string;
  /** Whether the announcement went out. */
  announced: boolean;
  readMode: BuiltBatch['readMode'];
  seconds: number;
}

export type BatchOutcome = EmptyOutcome | PublishedOutcome;

/** Runs silver batches, one at a time. */
export interface Transformer {
  /** Transforms everything pending (or `maxObjects` of it) into one published batch. */
  runBatch(): Promise<BatchOutcome>;
}

const PARQUET_NAME_HASH_CHARS = 16;

/**
 * The batch transformer. A run: read the state (the published batch manifests) → find the
 * committed bronze objects not yet processed → read, clean, deduplicate and build the star schema
 * in DuckDB → quality gate → Parquet to the staging prefix → promote each file to its final key
 * → quarantine file → create the manifest (create-only: this publishes the batch) → remove the
 * staging prefix → announce.
 *
 * Final file names carry a hash of their bytes: two runs racing for the same sequence never
 * overwrite each other's files with different content, and the loser fails on the manifest.
 */
export function createTransformer(options: TransformerOptions): Transformer {
  const { settings, store, kafka, logger, metrics } = options;
  const log = logger.child({ component: COMPONENT });
  let running: Promise<BatchOutcome> | undefined;

  async function discover(): Promise<Discovery> {
    if (settings.discover === 'manifests') {
      const read = await readManifestTopic({
        kafka,
        manifestTopic: settings.manifestTopic,
        sourceTopic: settings.sourceTopic,
        timeoutMs: settings.discoveryTimeoutMs,
        clientId: settings.kafkaClientId,
        logger: log,
      });
      if (read.complete) return { by: 'manifests', objects: objectsOfManifests(read.manifests) };
      log.warn(
        { manifestTopic: settings.manifestTopic, firstOffsets: read.firstOffsets },
        'retention dropped manifests from the topic: discovering by listing instead',
      );
    }
    const committed = await committedOffsets(kafka, settings.bronzeGroupId, settings.sourceTopic);
    return {
      by: 'listing',
      objects: await listCommittedObjects(store, settings.sourceTopic, committed),
    };
  }

  /** Local paths of the objects: in the store's folder, or downloaded to `dir`. */
  async function localInputs(objects: readonly BronzeObject[], dir: string): Promise<LocalInput[]> {
    return mapLimit(objects, 8, async (object) => {
      const input: LocalInput = {
        key: object.key,
        path:
          options.localRoot === undefined
            ? join(dir, object.key)
            : join(options.localRoot, object.key),
        partition: object.partition,
        firstOffset: object.firstOffset,
        endOffset: object.endOffset,
        ...(object.recordCount === undefined ? {} : { recordCount: object.recordCount }),
      };
      // A committed object that is not there is lost data, not a bad object: quarantining it
      // and marking it processed would publish silver without its records, for good.
      const missing = (cause?: unknown) =>
        new TransformerError(
          'LS_TRANSFORMER_BRONZE_MISSING',
          `bronze object ${object.key} (${object.topic}/${object.partition}, offsets ${object.firstOffset}–${object.endOffset - 1}) is announced but not in the store; nothing is published until it is restored`,
          { ...(cause === undefined ? {} : { cause }), details: { key: object.key } },
        );
      if (options.localRoot === undefined) {
        let body: Buffer;
        try {
          body = await store.get(object.key);
        } catch (err) {
          if (isObjectNotFound(err)) throw missing(err);
          throw err;
        }
        await mkdir(dirname(input.path), { recursive: true });
        await writeFile(input.path, body);
        metrics.receivedBytes.inc({ component: COMPONENT }, body.length);
      } else {
        await access(input.path).catch((err: unknown) => {
          throw (err as { code?: unknown }).code === 'ENOENT' ? missing(err) : err;
        });
        if (object.bytes !== undefined)
          metrics.receivedBytes.inc({ component: COMPONENT }, object.bytes);
      }
      return input;
    });
  }

  async function removeStaging(id: string): Promise<void> {
    try {
      if (options.localRoot !== undefined) {
        await rm(join(options.localRoot, stagingPrefix(id)), { recursive: true, force: true });
      } else {
        const keys: string[] = [];
        for await (const info of store.list(stagingPrefix(id))) keys.push(info.key);
        await mapLimit(keys, 8, (key) => store.delete(key));
      }
    } catch (err) {
      log.warn(
        { err, batchId: id },
        'could not remove the staging prefix; it is removed after the next batch of this id',
      );
    }
  }

  async function run(): Promise<BatchOutcome> {
    const started = performance.now();
    const seconds = () => Math.round((performance.now() - started) / 10) / 100;
    const state = await readSilverState(store);
    const discovery = await discover();
    const pending = selectPending(discovery.objects, state.processed, settings.maxObjects);
    // Listed objects carry no offsets of their own: contiguity is judged on manifests only.
    if (discovery.by === 'manifests') checkContiguous(discovery.objects, pending);
    if (pending.length === 0) {
      metrics.batches.inc({ result: 'empty' });
      log.info(
        {
          discoveredBy: discovery.by,
          objectsFound: discovery.objects.length,
          lastBatch: state.lastSequence,
        },
        'nothing new to transform',
      );
      return {
        kind: 'empty',
        discoveredBy: discovery.by,
        objectsFound: discovery.objects.length,
        seconds: seconds(),
      };
    }

    const sequence = state.lastSequence + 1;
    const id = batchId(sequence);
    const blog = log.child({ batchId: id });
    blog.info({ objects: pending.length, discoveredBy: discovery.by }, 'batch started');
    await mkdir(settings.workDir, { recursive: true });
    const work = await mkdtemp(join(settings.workDir, `transformer-${id}-`));
    let session: DuckdbSession | undefined;
    try {
      const inputs = await localInputs(pending, join(work, 'bronze'));
      // Under the batch's staging prefix, a folder per run: a concurrent run of the same
      // sequence never writes into this one's files.
      const staging = `${stagingPrefix(id)}${randomUUID().slice(0, 8)}/`;
      const outDir =
        options.localRoot === undefined ? join(work, 'silver') : join(options.localRoot, staging);
      session = await openDuckdb({
        ...settings.duckdb,
        tempDirectory: join(work, 'duckdb'),
        // At debug level, every statement with its wall and CPU time.
        ...(blog.isLevelEnabled('debug') ? { trace: (entry) => blog.debug(entry, 'sql') } : {}),
      });
      const built = await buildBatch({
        session,
        inputs,
        batchId: id,
        outDir,
        logger: blog,
        ...(options.afterBuild === undefined ? {} : { afterBuild: options.afterBuild }),
      });
      session.close();
      session = undefined;

      if (options.localRoot === undefined) {
        await mapLimit(built.files, 4, async (file) =>
          store.put(
            `${staging}${file.relativePath}`,
            await readFile(join(outDir, file.relativePath)),
          ),
        );
      }
      // Promote: every staged file to its final key (named by a hash of its bytes).
      const files = await mapLimit(
        built.files,
        4,
        async (file): Promise<SilverFile & { table: SilverTableName }> => {
          const body = await store.get(`${staging}${file.relativePath}`);
          const hash = createHash('sha256')
            .update(body)
            .digest('hex')
            .slice(0, PARQUET_NAME_HASH_CHARS);
          const key = `${tableBatchPrefix(file.table, id, file.orderMonth)}part-${hash}.parquet`;
          await store.put(key, body, { contentType: 'application/vnd.apache.parquet' });
          return {
            table: file.table,
            key,
            rows: file.rows,
            bytes: body.length,
            ...(file.orderMonth === undefined ? {} : { order_month: file.orderMonth }),
          };
        },
      );

      let quarantine: BatchManifest['quarantine'];
      if (built.quarantine.length > 0) {
        const key = `${quarantinePrefix(id)}rejected.jsonl.gz`;
        await store.put(key, gzipSync(`${built.quarantine.join('\n')}\n`), {
          contentType: 'application/gzip',
        });
        quarantine = { key, rows: built.quarantine.length };
      }

      const { counts } = built;
      const rejected = counts.payloadRejected + counts.ruleRejected;
      const manifest = BatchManifestSchema.parse({
        version: 1,
        batch_id: id,
        sequence,
        created_at: new Date().toISOString(),
        inputs: pending.map((object) => batchInput(object, built)),
        tables: Object.fromEntries(
          SILVER_TABLE_NAMES.map((table) => [
            table,
            {
              rows: built.rows[table],
              files: files.filter((f) => f.table === table).map(({ table: _t, ...file }) => file),
            },
          ]),
        ) as BatchManifest['tables'],
        quality: {
          status: built.checks.some((c) => c.status === 'quarantined')
            ? 'passed_with_quarantine'
            : 'passed',
          records_in: counts.recordsIn,
          rows_out: counts.rowsOut,
          rejected,
          superseded: counts.superseded,
          checks: built.checks,
        },
        ...(quarantine === undefined ? {} : { quarantine }),
      } satisfies BatchManifest);

      const manifestKey = batchManifestKey(id);
      try {
        await store.put(manifestKey, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), {
          ifNotExists: true,
          contentType: 'application/json',
        });
      } catch (err) {
        if (!isObjectExists(err)) throw err;
        throw new TransformerError(
          'LS_TRANSFORMER_BATCH_CONFLICT',
          `batch ${id} was published by another run meanwhile; this run's result is discarded (run again to pick up what is still pending)`,
          { cause: err, details: { batchId: id, manifestKey } },
        );
      }
      await removeStaging(id);
      recordPublished(manifest);
      blog.info(
        {
          objects: pending.length,
          recordsIn: counts.recordsIn,
          rowsOut: counts.rowsOut,
          rejected,
          superseded: counts.superseded,
          rows: built.rows,
          quality: manifest.quality.status,
          readMode: built.readMode,
          seconds: seconds(),
        },
        'batch published',
      );
      // The batch is published (its manifest is the truth) but not yet announced: a crash here
      // leaves a batch only the loader's own schedule finds.
      faultPoint('transformer.after-publish');

      const announced =
        options.announcer === undefined
          ? false
          : await options.announcer.announce({
              version: 1,
              batch_id: id,
              sequence,
              manifest_key: manifestKey,
              manifest_uri: store.uri(manifestKey),
              rows: built.rows,
              quality_status: manifest.quality.status,
              rejected,
              created_at: manifest.created_at,
            });
      return {
        kind: 'published',
        discoveredBy: discovery.by,
        manifest,
        manifestKey,
        announced,
        readMode: built.readMode,
        seconds: seconds(),
      };
    } finally {
      session?.close();
      await rm(work, { recursive: true, force: true }).catch(() => {});
    }
  }

  function recordPublished(manifest: BatchManifest): void {
    const { quality } = manifest;
    metrics.batches.inc({ result: 'published' });
    metrics.receivedEvents.inc({ component: COMPONENT }, quality.records_in);
    metrics.sentEvents.inc({ component: COMPONENT }, quality.rows_out);
    metrics.batchSize.observe({ component: COMPONENT }, quality.records_in);
    metrics.superseded.inc(quality.superseded);
    for (const table of SILVER_TABLE_NAMES) {
      const { rows, files } = manifest.tables[table]!;
      metrics.rowsWritten.inc({ table }, rows);
      metrics.batchRows.set({ table }, rows);
      metrics.sentBytes.inc(
        { component: COMPONENT },
        files.reduce((sum, f) => sum + f.bytes, 0),
      );
    }
    for (const check of quality.checks) {
      metrics.qualityChecks.inc({ check: check.name, status: check.status });
      if (check.status === 'quarantined')
        metrics.discardedEvents.inc(
          { component: COMPONENT, reason: check.name },
          check.failing_rows,
        );
    }
    for (const status of QUALITY_OUTCOMES)
      metrics.lastQuality.set({ status }, status === quality.status ? 1 : 0);
    metrics.lastSequence.set(manifest.sequence);
    metrics.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
  }

  function recordFailure(err: unknown): void {
    metrics.batches.inc({ result: 'failed' });
    metrics.errors.inc({ component: COMPONENT, code: metricCode(err) });
    if (err instanceof TransformerError && err.code === 'LS_TRANSFORMER_QUALITY_FAILED') {
      const checks = (err.details?.checks ?? []) as { name: string; status: string }[];
      for (const check of checks)
        metrics.qualityChecks.inc({ check: check.name, status: check.status });
      for (const status of QUALITY_OUTCOMES)
        metrics.lastQuality.set({ status }, status === 'failed' ? 1 : 0);
    }
  }

  return {
    runBatch() {
      // One batch at a time in a process: the schedule and the worker's trigger share it.
      running ??= (async () => {
        const started = performance.now();
        try {
          return await run();
        } catch (err) {
          recordFailure(err);
          throw err;
        } finally {
          metrics.batchDuration.observe(
            { component: COMPONENT },
            (performance.now() - started) / 1000,
          );
          running = undefined;
        }
      })();
      return running;
    },
  };
}

/** The manifest's record of a consumed object: its manifest's figures, or what was read of it. */
function batchInput(object: BronzeObject, built: BuiltBatch): BatchInput {
  if (object.recordCount !== undefined) {
    return {
      key: object.key,
      topic: object.topic,
      partition: object.partition,
      first_offset: object.firstOffset,
      last_offset: object.endOffset - 1,
      record_count: object.recordCount,
    };
  }
  const read = built.objects.get(object.key);
  return {
    key: object.key,
    topic: object.topic,
    partition: object.partition,
    first_offset: read?.firstOffset ?? object.firstOffset,
    last_offset: read?.lastOffset ?? object.firstOffset,
    record_count: read?.records ?? 0,
  };
}
