/**
 * `firestore-source export`: wiring and signals only (the run is in export/). Logs (pino JSON) go
 * to stderr; the summary table to stdout.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE (10m): no collection starts after the
 * signal; the one under way finishes (read, lake, manifest, wait for the loader) → close the Kafka
 * clients → close the health server. A second signal exits at once; a collection cut short leaves
 * no run record, so a re-run of its run id reads it again.
 */

import {
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import {
  createServiceRuntime,
  loadServiceConfig,
  logFileOrStderr,
  progressLine,
  repeatRun,
} from '@lakestream/observability';
import { parseExportArgs, USAGE } from '../export/cli.js';
import { loadExportConfig, storageUrlOf } from '../export/config.js';
import { COMPONENT, createExportMetrics } from '../export/export-metrics.js';
import { runExport } from '../export/export-run.js';
import { formatSummary } from '../export/summary.js';

const SERVICE = 'firestore-export';

/** Runs the export command; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = parseExportArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`firestore-source export: ${command.message}\n(see --help)\n`);
    return 2;
  }
  const config = loadServiceConfig(SERVICE, () =>
    loadExportConfig({
      ...(command.configFile === undefined ? {} : { file: command.configFile }),
      ...(command.profile === undefined ? {} : { profile: command.profile }),
    }),
  );
  const runtime = createServiceRuntime({
    service: SERVICE,
    config,
    logDestination: logFileOrStderr(process.env.FIRESTORE_SOURCE_LOG_FILE),
    metrics: createExportMetrics,
    oneShot: command.everyMs === undefined,
  });
  const { logger, metrics, shutdown } = runtime;
  const stop = runtime.signal;
  logger.info({ config, command }, 'starting');

  const store = openObjectStore(storageUrlOf(config), {
    ...(config.storageEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.storageEmulatorHost }),
  });
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger,
  });
  const producer = createIdempotentProducer(kafka);
  const admin = kafka.admin();
  const retry = { logger, signal: stop };
  try {
    await withKafkaStartRetry('connecting the producer', () => producer.connect(), retry);
    await withKafkaStartRetry('connecting the admin', () => admin.connect(), retry);
    await withKafkaStartRetry(
      'creating the manifest and dead-letter topics',
      () =>
        ensureTopics(kafka, [
          topicSpec(TOPICS.bronzeFiles, config.manifestTopic),
          topicSpec(TOPICS.firestoreQuarantine, config.deadLetterTopic),
        ]),
      retry,
    );
  } catch (err) {
    process.stderr.write(`firestore-source export: ${(err as Error).message}\n`);
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    await shutdown.run('failed');
    return 1;
  }

  const progress = progressLine('firestore-source export', 'documents read');
  const runOnce = async () => {
    const run = await runExport({
      config,
      store,
      kafka,
      producer,
      admin,
      logger,
      metrics,
      noWait: command.noWait,
      stopping: stop,
      ...(command.runId === undefined ? {} : { runId: command.runId }),
      ...(progress ? { onDocument: progress.add } : {}),
    });
    progress?.end();
    process.stdout.write(`${formatSummary(run)}\n`);
    const failed = run.tables.filter((t) => t.status === 'failed').length;
    if (failed === 0) metrics.shared.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
    return failed === 0 ? 0 : 1;
  };
  const loop = repeatRun(runOnce, {
    everyMs: command.everyMs,
    signal: stop,
    progress,
    onError: (err) => {
      logger.error({ err }, 'run failed');
      process.stderr.write(`firestore-source export: ${(err as Error).message}\n`);
    },
  });
  shutdown.add('finish the collection under way', async () => {
    await loop;
  });
  shutdown.add('close the Kafka clients', async () => {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  });
  if (command.everyMs !== undefined) {
    await runtime.start(async () => {
      await runtime.serveHealth({
        schedule: () => {
          if (stop.aborted) throw new Error('shutting down');
        },
      });
    });
  }
  const exitCode = await loop;
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  return exitCode === 0 ? closed.exitCode : exitCode;
}
