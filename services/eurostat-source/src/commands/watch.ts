/**
 * `eurostat watch [--every 12h]`: wiring and signals only (the run is in watch/). Logs (pino
 * JSON) go to stderr or EUROSTAT_SOURCE_LOG_FILE; the summary to stdout.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE (1m): no run starts after the signal; the
 * one under way finishes (its announcements commit after Kafka acknowledged them, or roll back)
 * → close the Kafka producer → close the PostgreSQL pool → close the health server.
 */
import {
  createKafka,
  ensureTopics,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import { createServiceRuntime, loadServiceConfig, repeatRun } from '@lakestream/observability';
import { parseScheduleArgs } from '../catalog/cli.js';
import { loadEurostatConfig } from '../config.js';
import { logDestination } from '../log-destination.js';
import { COMPONENTS, createEurostatMetrics } from '../metrics.js';
import { createPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';
import { formatWatchSummary, runWatch } from '../watch/watch-run.js';

const SERVICE = 'eurostat-watch';

/** The usage text of `--help`. */
export const USAGE = `Usage: eurostat-source watch [--every 12h]

Reads Eurostat's update feed (…/catalogue/rss/en/statistics-update.rss) and the catalogue's last
update dates (eurostat.catalog, loaded by \`catalog\`), and publishes one update event to
lakestream.eurostat.updates.v1 (keyed by dataset code) for each watched dataset whose newest
update is not loaded yet (eurostat.loads). Each update (code + update time) is announced once:
eurostat.announcements records it in the same transaction.

Options:
  --every 12h  again every interval (default EUROSTAT_WATCH_EVERY, else once), until SIGTERM

Exit status: 0 done, 1 the run failed (nothing of it is recorded), 2 bad arguments or configuration.`;

/** Runs the command; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = parseScheduleArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`eurostat-source watch: ${command.message}\n(see --help)\n`);
    return 2;
  }
  const config = loadServiceConfig(SERVICE, () => loadEurostatConfig());
  const everyMs = command.everyMs ?? config.watchEveryMs;
  const runtime = createServiceRuntime({
    service: SERVICE,
    config,
    logDestination: logDestination(config.logFile),
    metrics: createEurostatMetrics,
    oneShot: everyMs === undefined,
  });
  const { logger, metrics, shutdown } = runtime;
  const stop = runtime.signal;
  logger.info({ config, everyMs }, 'starting');
  const pool = createPool(config.databaseUrl, logger, SERVICE);
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const closeClients = async () => {
    await producer.disconnect().catch(() => {});
    await pool.end().catch(() => {});
  };
  try {
    const retry = { logger, signal: stop };
    await withKafkaStartRetry('connecting the producer', () => producer.connect(), retry);
    await withKafkaStartRetry(
      'creating the updates topic',
      () => ensureTopics(kafka, [topicSpec(TOPICS.eurostatUpdates, config.updatesTopic)]),
      retry,
    );
  } catch (err) {
    process.stderr.write(`eurostat-source watch: ${(err as Error).message}\n`);
    await closeClients();
    await shutdown.run('failed');
    return 1;
  }

  const runOnce = async () => {
    await ensureSchema(pool);
    const result = await runWatch({ config, pool, producer, logger, metrics, signal: stop });
    process.stdout.write(`${formatWatchSummary(result)}\n`);
    metrics.shared.lastSuccess.set({ component: COMPONENTS.watch }, Date.now() / 1000);
    return 0;
  };
  const loop = repeatRun(runOnce, {
    everyMs,
    signal: stop,
    onError: (err) => {
      const code = (err as { code?: unknown }).code;
      metrics.shared.errors.inc({ component: COMPONENTS.watch, code: String(code ?? 'unknown') });
      logger.error({ err }, 'watch run failed');
      process.stderr.write(`eurostat-source watch: ${(err as Error).message}\n`);
    },
  });
  shutdown.add('finish the run under way', async () => {
    await loop;
  });
  shutdown.add('close the Kafka producer and the PostgreSQL pool', closeClients);
  if (everyMs !== undefined) {
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
