import { ConfigError, loadConfig } from '@lakestream/config';
import { createKafka } from '@lakestream/kafka';
import { openObjectStore, parseStoreUrl } from '@lakestream/object-store';
import { createServiceRuntime } from '@lakestream/observability';
import { createAnnouncer } from './announcer.js';
import { type Command, parseCommandLine, summaryLine, USAGE } from './cli.js';
import { storageUrlOf, type TransformerConfig, transformerConfig, workDirOf } from './config.js';
import { metricCode } from './errors.js';
import { COMPONENT, withTransformerMetrics } from './metrics.js';
import { createSchedule } from './schedule.js';
import { createTransformer } from './transformer.js';
import { createWorker } from './worker.js';

const SERVICE = 'transformer';

let command: Command;
let config: TransformerConfig;
try {
  command = parseCommandLine(process.argv.slice(2));
  config = loadConfig(transformerConfig);
} catch (err) {
  // Before the logger exists; the message lists every problem and never a secret value.
  process.stderr.write(`${SERVICE}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(
    err instanceof ConfigError || (err as { code?: string }).code === 'LS_TRANSFORMER_USAGE'
      ? 2
      : 1,
  );
}
if (command.name === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

// A one-shot run prints its summary on stdout, so its JSON logs go to stderr; the long-running
// modes log to stdout like every service.
const oneShot = command.name === 'run' && command.everyMs === undefined;
const runtime = createServiceRuntime({
  service: SERVICE,
  config,
  metrics: withTransformerMetrics,
  ...(oneShot ? { logDestination: process.stderr } : {}),
});
const { logger, metrics, shutdown } = runtime;

logger.info({ config, command }, 'starting');
const storageUrl = storageUrlOf(config);
const location = parseStoreUrl(storageUrl);
const store = openObjectStore(storageUrl, {
  ...(config.storageEmulatorHost === undefined ? {} : { emulatorHost: config.storageEmulatorHost }),
  retry: {
    onRetry: ({ err, attempt, delayMs }) => {
      metrics.errors.inc({ component: COMPONENT, code: metricCode(err) });
      logger.warn({ err, attempt, delayMs }, 'object store call failed; retrying');
    },
  },
});
const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, logger });
const announcer = createAnnouncer({ kafka, topic: config.announceTopic, logger, metrics });
const transformer = createTransformer({
  settings: {
    sourceTopic: config.sourceTopic,
    manifestTopic: config.manifestTopic,
    bronzeGroupId: config.bronzeGroupId,
    discover: command.discover ?? config.discover,
    maxObjects: command.maxObjects ?? config.maxObjects,
    discoveryTimeoutMs: config.discoveryTimeoutMs,
    workDir: workDirOf(config),
    kafkaClientId: config.kafkaClientId,
    duckdb: {
      ...(config.duckdbThreads === undefined ? {} : { threads: config.duckdbThreads }),
      ...(config.duckdbMemoryLimit === undefined ? {} : { memoryLimit: config.duckdbMemoryLimit }),
    },
  },
  store,
  localRoot: location.kind === 'local' ? location.root : undefined,
  kafka,
  announcer,
  logger,
  metrics,
});
const printSummary = (outcome: Parameters<typeof summaryLine>[0]) =>
  process.stdout.write(`${summaryLine(outcome)}\n`);

async function serveHealth(ready: () => void): Promise<void> {
  await runtime.serveHealth({ transformer: ready, store: () => store.healthcheck() });
}

try {
  if (command.name === 'worker') {
    const worker = createWorker({
      kafka,
      settings: {
        manifestTopic: config.manifestTopic,
        groupId: config.groupId,
        debounceMs: config.debounceMs,
        maxWaitMs: config.maxWaitMs,
      },
      runBatch: () => transformer.runBatch(),
      logger,
      metrics,
      onOutcome: printSummary,
      signal: runtime.signal,
      onFatal: runtime.fail('worker failed'),
    });
    // The documented order: stop intake → finish the batch in flight → commit offsets → close clients.
    shutdown.add('stop intake', () => worker.stopIntake());
    shutdown.add('finish the batch in flight', () => worker.flush());
    shutdown.add('commit offsets', () => worker.commit());
    shutdown.add('close kafka clients', async () => {
      await worker.close();
      await announcer.close();
    });
    await serveHealth(() => worker.checkReady());
    if (!shutdown.started) await worker.start();
  } else if (command.everyMs !== undefined) {
    const schedule = createSchedule({
      everyMs: command.everyMs,
      runBatch: () => transformer.runBatch(),
      logger,
      onOutcome: printSummary,
    });
    shutdown.add('stop the schedule', () => schedule.stop());
    shutdown.add('finish the batch in flight', () => schedule.stopped());
    shutdown.add('close kafka clients', () => announcer.close());
    await serveHealth(() => schedule.checkReady());
    logger.info({ everyMs: command.everyMs }, 'running on a schedule');
    await schedule.run();
  } else {
    // One batch. A signal meanwhile lets it finish (or fail as a whole) within the grace period.
    let batch: Promise<unknown> = Promise.resolve();
    shutdown.add('finish the batch in flight', async () => {
      await batch.catch(() => {});
    });
    shutdown.add('close kafka clients', () => announcer.close());
    const run = transformer.runBatch();
    batch = run;
    const outcome = await run;
    printSummary(outcome);
    const result = await shutdown.run('done');
    process.exit(result.exitCode);
  }
} catch (err) {
  logger.error({ err }, 'transformer failed; no batch was half-published');
  process.stderr.write(`${SERVICE}: ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown.run('failed');
  process.exit(1);
}
