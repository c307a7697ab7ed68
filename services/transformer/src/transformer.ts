import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '@lakestream/object-store';
import { faultPoint, type Logger } from '@lakestream/observability';
import { type BatchManifest, batchId, stagingPrefix } from '@lakestream/silver';
import type { Kafka } from 'kafkajs';
import type { Announcer } from './announcer.js';
import { type BuiltBatch, buildBatch } from './batch-builder.js';
import { recordFailure, recordPublished } from './batch-metrics.js';
import { localInputs } from './bronze-inputs.js';
import type { DiscoveryMode } from './config.js';
import {
  checkContiguous,
  committedOffsets,
  type Discovery,
  listCommittedObjects,
  objectsOfManifests,
  readManifestTopic,
  selectPending,
} from './discovery.js';
import { type DuckdbSession, type DuckdbSettings, openDuckdb } from './duckdb-session.js';
import { COMPONENT, type TransformerMetrics } from './metrics.js';
import { publishBatch } from './silver-publish.js';
import { readSilverState } from './silver-state.js';

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
      const inputs = await localInputs(
        { store, localRoot: options.localRoot, metrics },
        pending,
        join(work, 'bronze'),
      );
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

      const { manifest, manifestKey } = await publishBatch(
        { store, localRoot: options.localRoot, logger: log },
        { id, sequence, pending, built, staging, outDir },
      );
      const { counts } = built;
      const rejected = counts.payloadRejected + counts.ruleRejected;
      recordPublished(metrics, manifest);
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

  return {
    runBatch() {
      // One batch at a time in a process: the schedule and the worker's trigger share it.
      running ??= (async () => {
        const started = performance.now();
        try {
          return await run();
        } catch (err) {
          recordFailure(metrics, err);
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
