#!/usr/bin/env node
/**
 * Entry point: `lakestream-producer [options] FILE... | -`. Wiring and signals only; the run is in
 * run-producer.ts. Logs (JSON) and the progress bar go to stderr, the summary line to stdout.
 *
 * Shutdown order on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE: stop reading → flush in-flight
 * batches and write the checkpoints → disconnect → exit 0. A second signal exits at once (1).
 */
import { createKafka } from '@lakestream/kafka';
import { createServiceRuntime } from '@lakestream/observability';
import { parseCliArgs, USAGE } from './cli-options.js';
import { exitCodeFor } from './errors.js';
import { formatSummary, ProgressLine } from './progress.js';
import { type ProducerRunResult, runProducer } from './run-producer.js';

const command = parseCliArgs(process.argv.slice(2));
if (command.kind === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (command.kind === 'error') {
  process.stderr.write(
    `producer: ${command.message.replaceAll('\n', '\nproducer: ')}\n(see --help)\n`,
  );
  process.exit(2);
}
const { settings, runtime: options } = command;

const runtime = createServiceRuntime({
  service: 'producer',
  config: {
    logLevel: options.logLevel,
    shutdownGraceMs: options.shutdownGraceMs,
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
    metricsHost: options.metricsHost,
  },
  logDestination: process.stderr,
  oneShot: true,
});
const { logger, metrics, shutdown } = runtime;
const kafka = createKafka({ brokers: options.brokers, clientId: options.clientId, logger });
const progress = process.stderr.isTTY ? new ProgressLine(process.stderr) : undefined;

if (options.metricsPort !== undefined) {
  await runtime.serveHealth({
    accepting: () => {
      if (shutdown.started) throw new Error('shutting down');
    },
  });
}

const run: Promise<ProducerRunResult> = runProducer(settings, {
  kafka,
  brokers: options.brokers,
  clientId: options.clientId,
  logger,
  metrics,
  // Aborted as the shutdown begins: reading stops, what was read is still delivered.
  signal: runtime.signal,
  ...(progress ? { onProgress: (snapshot) => progress.update(snapshot) } : {}),
});

shutdown.add('flush in-flight batches, write checkpoints, disconnect', () =>
  run.then(
    () => undefined,
    () => undefined,
  ),
);

let exitCode = 0;
try {
  const result = await run;
  progress?.clear();
  logger.info({ summary: { ...result } }, 'producer finished');
  process.stdout.write(`${formatSummary(result)}\n`);
} catch (err) {
  progress?.clear();
  exitCode = exitCodeFor(err);
  logger.error({ err }, 'producer failed');
  process.stderr.write(`producer: ${(err as Error).message}\n`);
}
const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
process.exit(exitCode === 0 ? closed.exitCode : exitCode);
