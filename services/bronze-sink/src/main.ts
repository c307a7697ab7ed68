import { ConfigError, loadConfig } from '@lakestream/config';
import { createKafka } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import {
  createLogger,
  createMetrics,
  createShutdown,
  startHealthServer,
} from '@lakestream/observability';
import { createBronzeSink } from './bronze-sink.js';
import { type BronzeSinkConfig, bronzeSinkConfig, instanceIdOf, storageUrlOf } from './config.js';
import { metricCode } from './errors.js';
import { COMPONENT } from './partition-writer.js';

const SERVICE = 'bronze-sink';

let config: BronzeSinkConfig;
try {
  config = loadConfig(bronzeSinkConfig);
} catch (err) {
  // Before the logger exists; the message lists every problem and never a secret value.
  process.stderr.write(`${SERVICE}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}

const instanceId = instanceIdOf(config);
const logger = createLogger({ service: SERVICE, level: config.logLevel }).child({
  instance: instanceId,
});
const metrics = createMetrics({ service: SERVICE });
const shutdown = createShutdown({ logger, graceMs: config.shutdownGraceMs });
shutdown.installSignalHandlers();

const fail = (reason: string) => (err: unknown) => {
  logger.fatal({ err }, reason);
  void shutdown.run(reason).then(() => process.exit(1));
};
process.on('uncaughtException', fail('uncaught exception'));
process.on('unhandledRejection', fail('unhandled rejection'));

logger.info({ config }, 'starting');
const store = openObjectStore(storageUrlOf(config), {
  ...(config.storageEmulatorHost === undefined ? {} : { emulatorHost: config.storageEmulatorHost }),
  retry: {
    onRetry: ({ err, attempt, delayMs }) => {
      metrics.errors.inc({ component: COMPONENT, code: metricCode(err) });
      logger.warn({ err, attempt, delayMs }, 'object store call failed; retrying');
    },
  },
});
const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, logger });
const sink = createBronzeSink({
  settings: { ...config, instanceId },
  kafka,
  store,
  logger,
  metrics,
  onFatal: fail('bronze sink failed'),
});

// The documented order: stop intake → flush → commit offsets → close clients.
shutdown.add('stop intake', () => sink.stopIntake());
shutdown.add('flush buffers', () => sink.flush());
shutdown.add('commit objects and offsets', () => sink.commit());
shutdown.add('close kafka clients', () => sink.close());

try {
  const health = await startHealthServer({
    port: config.metricsPort,
    host: config.metricsHost,
    registry: metrics.registry,
    logger,
    readiness: {
      consumer: () => sink.checkReady(),
      store: () => store.healthcheck(),
    },
  });
  shutdown.add('close health server', () => health.close());
  if (!shutdown.started) await sink.start();
} catch (err) {
  fail('start-up failed')(err);
}
