#!/usr/bin/env node
/**
 * Entry point: `warehouse-loader run [--every 15m] | worker | db-worker | documents-worker |
 * gcs-load URI_PREFIX SCHEMA.TABLE`. Wiring and signals only.
 * Logs (pino JSON) go to stderr, each run's one-line summary to stdout.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE: stop intake (no new announcement, no
 * batch after the one under way) → finish that batch (it commits, or rolls back as a whole) →
 * commit the announcements' offsets → leave the group → close the health server. A second
 * signal exits at once (1); nothing is half-applied either way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@lakestream/config';
import { createKafka } from '@lakestream/kafka';
import { createServiceRuntime, loadServiceConfig } from '@lakestream/observability';
import {
  buildDbWriter,
  buildDocumentsWriter,
  buildLoader,
  gcsLoadTarget,
  type LoaderParts,
  retryOf,
} from './build-loader.js';
import { parseCliArgs, USAGE } from './cli.js';
import { warehouseLoaderConfig } from './config.js';
import { createDbWorker } from './db-worker.js';
import { createDocumentsWorker } from './documents-worker.js';
import { exitCodeFor, LoaderError } from './errors.js';
import { gcsLoad } from './gcs-load.js';
import { formatSummary, type RunSummary } from './loader.js';
import { createLoaderMetrics } from './loader-metrics.js';
import { createWorker, type Worker } from './worker.js';

const SERVICE = 'warehouse-loader';

const command = parseCliArgs(process.argv.slice(2));
if (command.kind === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (command.kind === 'error') {
  process.stderr.write(`${SERVICE}: ${command.message}\n(see --help)\n`);
  process.exit(2);
}

const config = loadServiceConfig(SERVICE, () => loadConfig(warehouseLoaderConfig));
const oneShot =
  (command.kind === 'run' && command.everyMs === undefined) || command.kind === 'gcs-load';
const runtime = createServiceRuntime({
  service: SERVICE,
  config,
  logDestination: process.stderr,
  metrics: createLoaderMetrics,
  oneShot,
});
const { logger, metrics, shutdown } = runtime;
let parts: LoaderParts;
try {
  parts = buildLoader(config, { logger, metrics });
} catch (err) {
  process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  process.exit(err instanceof LoaderError && err.code === 'LS_LOADER_CONFIG_INVALID' ? 2 : 1);
}
const { loader, store, target } = parts;
// Aborted as the shutdown begins: no batch starts after the one under way.
const stop = runtime.signal;
logger.info({ config, mode: command.kind, target: target.description }, 'starting');

const printSummary = (summary: RunSummary) => process.stdout.write(`${formatSummary(summary)}\n`);

/**
 * The workers stop the same way – stop intake → finish the batch under way and commit → leave the
 * group – and are ready while their consumer is in its group and the lake answers.
 */
async function runWorker(worker: Worker, batch: string): Promise<void> {
  shutdown.add('stop intake', () => worker.stopIntake());
  shutdown.add(`finish the ${batch} under way and commit`, () => worker.flush());
  shutdown.add('leave the consumer group', () => worker.close());
  await runtime.start(async () => {
    await runtime.serveHealth({
      worker: () => worker.checkReady(),
      store: () => store.healthcheck(),
    });
    await worker.start();
  });
}

if (command.kind === 'gcs-load') {
  let exitCode = 0;
  try {
    const loaded = await gcsLoad({
      prefix: command.prefix,
      schema: command.schema,
      table: command.table,
      lake: store,
      target: gcsLoadTarget(config),
      ...(config.storageEmulatorHost === undefined
        ? {}
        : { storageEmulatorHost: config.storageEmulatorHost }),
      ...(config.tempDir === undefined ? {} : { tempDir: config.tempDir }),
    });
    process.stdout.write(
      `gcs-load: ${loaded.rows} rows from ${loaded.objects} objects into ${loaded.table}\n`,
    );
  } catch (err) {
    exitCode = exitCodeFor(err);
    logger.error({ err }, 'gcs-load failed');
    process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  }
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  process.exit(exitCode === 0 ? closed.exitCode : exitCode);
} else if (command.kind !== 'run') {
  // The three workers: one Kafka client, the same session and retry settings.
  const common = {
    kafka: createKafka({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, logger }),
    sessionTimeoutMs: config.sessionTimeoutMs,
    logger,
    metrics,
  };
  const retries = { retryDelayMs: config.retryMaxMs, retry: retryOf(config) };
  if (command.kind === 'documents-worker') {
    const worker = createDocumentsWorker({
      ...common,
      ...retries,
      writer: buildDocumentsWriter(config, store),
      manifestsTopic: config.bronzeFilesTopic,
      qualityReportsTopic: config.qualityReportsTopic,
      deadLetterTopic: config.documentsDeadLetterTopic,
      groupId: config.documentsGroupId,
      onFatal: runtime.fail('documents worker failed'),
    });
    await runWorker(worker, 'object');
  } else if (command.kind === 'db-worker') {
    const worker = createDbWorker({
      ...common,
      ...retries,
      writer: buildDbWriter(config, store),
      batchesTopic: config.dbBatchesTopic,
      appliedTopic: config.dbAppliedTopic,
      bronzeFilesTopic: config.bronzeFilesTopic,
      groupId: config.dbGroupId,
      coverageTimeoutMs: config.dbCoverageTimeoutMs,
      onFatal: runtime.fail('db worker failed'),
    });
    await runWorker(worker, 'sync batch');
  } else {
    const worker = createWorker({
      ...common,
      loader,
      topic: config.topic,
      appliedTopic: config.appliedTopic,
      groupId: config.groupId,
      runIntervalMs: config.runIntervalMs,
      onRun: (summary) => {
        if (summary.applied.length > 0) printSummary(summary);
      },
      onFatal: runtime.fail('worker failed'),
    });
    await runWorker(worker, 'batch');
  }
} else if (command.everyMs !== undefined) {
  const everyMs = command.everyMs;
  let lastFailure: unknown;
  const loop = (async () => {
    while (!stop.aborted) {
      try {
        printSummary(await loader.runOnce(stop));
        lastFailure = undefined;
      } catch (err) {
        lastFailure = err;
        logger.error({ err }, 'run failed; trying again at the next interval');
        process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
      }
      await sleep(everyMs, undefined, { signal: stop }).catch(() => {});
    }
  })();
  shutdown.add('finish the batch under way', () => loop);
  await runtime.start(async () => {
    await runtime.serveHealth({
      schedule: () => {
        if (stop.aborted) throw new Error('shutting down');
        if (lastFailure !== undefined)
          throw new Error(`the last run failed: ${(lastFailure as Error).message}`);
      },
      store: () => store.healthcheck(),
    });
  });
} else {
  const run = loader.runOnce(stop);
  shutdown.add('finish the batch under way', () =>
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  let exitCode = 0;
  try {
    printSummary(await run);
  } catch (err) {
    exitCode = 1;
    logger.error({ err }, 'run failed');
    process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  }
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  process.exit(exitCode === 0 ? closed.exitCode : exitCode);
}
