/**
 * `eurostat worker`: wiring and signals only (the worker is in sync/worker.ts). Consumes
 * lakestream.eurostat.updates.v1 in group lakestream-eurostat-source-sync until SIGTERM, syncing
 * each event's dataset; /healthz, /readyz and /metrics on EUROSTAT_METRICS_PORT.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE, in the pipeline's order: stop intake
 * (the download under way is aborted, its offset stays) → finish the load under way and commit
 * its offset → leave the consumer group → close the PostgreSQL pool.
 */
import { createKafka } from '@lakestream/kafka';
import {
  createServiceRuntime,
  loadServiceConfig,
  logFileOrStderr,
} from '@lakestream/observability';
import { loadEurostatConfig } from '../config.js';
import { createEurostatMetrics } from '../metrics.js';
import { openSyncDeps } from '../sync/wiring.js';
import { createSyncWorker } from '../sync/worker.js';

const SERVICE = 'eurostat-sync-worker';

/** The usage text of `--help`. */
export const USAGE = `Usage: eurostat-source worker

Consumes the update events on lakestream.eurostat.updates.v1 (group lakestream-eurostat-source-sync)
and syncs each event's dataset as \`sync\` does: download, bronze, quality gate, silver Parquet and
PostgreSQL. An event's offset is committed once its version is loaded, unchanged or rejected; a
transient failure tries the event again after EUROSTAT_SYNC_RETRY_DELAY. Runs until SIGTERM.

Exit status: 0 stopped by a signal, 1 failed, 2 bad arguments or configuration.`;

/** Runs the command; resolves only for --help or bad arguments (a signal ends the process). */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(
      `eurostat-source worker: unexpected argument '${argv[0]}'\n(see --help)\n`,
    );
    return 2;
  }
  const config = loadServiceConfig(SERVICE, () => loadEurostatConfig());
  const runtime = createServiceRuntime({
    service: SERVICE,
    config,
    logDestination: logFileOrStderr(config.logFile),
    metrics: createEurostatMetrics,
  });
  const { logger, metrics, shutdown } = runtime;
  logger.info({ config }, 'starting');
  let opened: Awaited<ReturnType<typeof openSyncDeps>>;
  try {
    opened = await openSyncDeps(config, logger, metrics, SERVICE);
  } catch (err) {
    runtime.fail('opening PostgreSQL and the lake failed')(err);
    return 1;
  }
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger,
  });
  const worker = createSyncWorker({
    kafka,
    topic: config.updatesTopic,
    groupId: config.syncGroupId,
    sessionTimeoutMs: config.syncSessionTimeoutMs,
    retryDelayMs: config.syncRetryDelayMs,
    sync: opened.deps,
    logger,
    metrics,
    onFatal: runtime.fail('the update event consumer stopped'),
  });
  shutdown.add('stop intake', () => worker.stopIntake());
  shutdown.add('finish the load under way and commit', () => worker.flush());
  shutdown.add('leave the consumer group', () => worker.close());
  shutdown.add('close the PostgreSQL pool', () => opened.close());
  await runtime.start(async () => {
    await runtime.serveHealth({
      worker: () => worker.checkReady(),
      store: () => opened.deps.store.healthcheck(),
    });
    await worker.start();
  });
  // The runtime exits the process once the shutdown has run (status 0 after a signal).
  return new Promise<number>(() => {});
}
