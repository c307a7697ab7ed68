import { loadConfig } from '@lakestream/config';
import { createKafka } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import { createServiceRuntime, loadServiceConfig } from '@lakestream/observability';
import { createBronzeSink } from './bronze-sink.js';
import { bronzeSinkConfig, instanceIdOf, storageUrlOf } from './config.js';
import { metricCode } from './errors.js';
import { COMPONENT } from './partition-writer.js';

const SERVICE = 'bronze-sink';

const config = loadServiceConfig(SERVICE, () => loadConfig(bronzeSinkConfig));
const instanceId = instanceIdOf(config);
const runtime = createServiceRuntime({ service: SERVICE, config });
const { metrics, shutdown } = runtime;
const logger = runtime.logger.child({ instance: instanceId });

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
  signal: runtime.signal,
  onFatal: runtime.fail('bronze sink failed'),
});

// The documented order: stop intake → flush → commit offsets → close clients.
shutdown.add('stop intake', () => sink.stopIntake());
shutdown.add('flush buffers', () => sink.flush());
shutdown.add('commit objects and offsets', () => sink.commit());
shutdown.add('close kafka clients', () => sink.close());

await runtime.start(async () => {
  await runtime.serveHealth({
    consumer: () => sink.checkReady(),
    store: () => store.healthcheck(),
  });
  await sink.start();
});
