#!/usr/bin/env node
/**
 * Entry point: `db-sync run | status | topics` (cli.ts). Wiring and signals only. Logs (pino
 * JSON) go to stderr; the decisions, the summary table, the status and the topics to stdout.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE (10m): no table starts after the signal;
 * the tables under way finish (read, publish, wait for the confirmation, state) → close the
 * Kafka clients → close the health server. A second signal exits at once; a table cut short
 * leaves its state as it was, and the next run reads it again.
 */
import { resolveLakestreamHome } from '@lakestream/config';
import { createKafka } from '@lakestream/kafka';
import {
  createServiceRuntime,
  loadServiceConfig,
  logFileOrStderr,
  progressLine,
  repeatRun,
} from '@lakestream/observability';
import { parseCliArgs, USAGE } from './cli.js';
import { loadDbSyncConfig } from './config.js';
import { createDbSyncMetrics } from './db-sync-metrics.js';
import { formatStatus } from './status.js';
import { formatSummary } from './sync-run.js';
import { ensureDbTopics, startSyncService, tableTopics } from './sync-service.js';

const SERVICE = 'db-sync';

const command = parseCliArgs(process.argv.slice(2));
if (command.kind === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (command.kind === 'error') {
  process.stderr.write(`${SERVICE}: ${command.message}\n(see --help)\n`);
  process.exit(2);
}

const config = loadServiceConfig(SERVICE, () =>
  loadDbSyncConfig(command.configFile === undefined ? {} : { file: command.configFile }),
);
const home = resolveLakestreamHome(config.lakestreamHome);

if (command.kind === 'status') {
  process.stdout.write(`${formatStatus(home, config.dbList, config.tableList)}\n`);
  process.exit(0);
}

const oneShot = command.kind !== 'run' || command.everyMs === undefined;
const runtime = createServiceRuntime({
  service: SERVICE,
  config,
  // commands.sh keeps the JSON logs in a file: the terminal shows the decisions, the progress
  // line and the summary with its errors.
  logDestination: logFileOrStderr(config.logFile),
  metrics: createDbSyncMetrics,
  oneShot,
});
const { logger, metrics, shutdown } = runtime;
const stop = runtime.signal;
const out = (line: string) => process.stdout.write(`${line}\n`);
logger.info({ config, command }, 'starting');

if (command.kind === 'topics') {
  const scope = { databases: config.dbList, tables: config.tableList };
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger,
  });
  let exitCode = 0;
  try {
    await ensureDbTopics(kafka, config, scope, logger, stop);
    for (const topic of tableTopics(scope)) out(topic);
  } catch (err) {
    exitCode = 1;
    process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  }
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  process.exit(exitCode === 0 ? closed.exitCode : exitCode);
}

if (command.kind === 'run') {
  const scope = { databases: config.dbList, tables: command.tables ?? config.tableList };
  let service: Awaited<ReturnType<typeof startSyncService>>;
  try {
    service = await startSyncService(config, { logger, metrics, signal: stop });
  } catch (err) {
    process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
    await shutdown.run('failed');
    process.exit(1);
  }
  const progress = progressLine(SERVICE, 'rows read');
  const runOnce = async () => {
    const results = await service.run({
      scope,
      full: command.full,
      reconcile: command.reconcile,
      print: out,
      ...(progress ? { onRows: progress.add } : {}),
      signal: stop,
    });
    progress?.end();
    out(formatSummary(results));
    const failed = results.filter((r) => r.status === 'failed').length;
    if (failed === 0) metrics.shared.lastSuccess.set({ component: 'db_sync' }, Date.now() / 1000);
    return failed === 0 ? 0 : 1;
  };
  const loop = repeatRun(runOnce, {
    everyMs: command.everyMs,
    signal: stop,
    progress,
    onError: (err) => {
      logger.error({ err }, 'run failed');
      process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
    },
  });
  shutdown.add('finish the tables under way', async () => {
    await loop;
  });
  shutdown.add('close the Kafka clients', () => service.close());
  if (command.everyMs !== undefined) {
    await runtime.start(async () => {
      await runtime.serveHealth({
        schedule: () => {
          if (stop.aborted) throw new Error('shutting down');
        },
      });
    });
  } else {
    const exitCode = await loop;
    const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
    process.exit(exitCode === 0 ? closed.exitCode : exitCode);
  }
}
