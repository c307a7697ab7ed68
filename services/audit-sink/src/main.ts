import { loadConfig, withRetry } from '@lakestream/config';
import { createKafka } from '@lakestream/kafka';
import { createServiceRuntime, loadServiceConfig } from '@lakestream/observability';
import { createAuditSink } from './audit-sink.js';
import { auditSinkConfig } from './config.js';
import { migrate } from './migrations.js';
import { createPool, pingPostgres } from './postgres.js';

const SERVICE = 'audit-sink';

const config = loadServiceConfig(SERVICE, () => loadConfig(auditSinkConfig));
const runtime = createServiceRuntime({ service: SERVICE, config });
const { logger, metrics, shutdown } = runtime;

logger.info({ config }, 'starting');
const pool = createPool({
  databaseUrl: config.databaseUrl,
  max: config.partitionsConcurrency + 2,
  applicationName: config.pgApplicationName,
  statementTimeoutMs: config.statementTimeoutMs,
  connectTimeoutMs: config.connectTimeoutMs,
  logger,
});
const kafka = createKafka({
  brokers: config.kafkaBrokers,
  clientId: config.kafkaClientId,
  logger,
});
const sink = createAuditSink({
  settings: config,
  kafka,
  pool,
  logger,
  metrics,
  onFatal: runtime.fail('audit sink failed'),
});

// The documented order: stop intake → flush → commit offsets → close clients.
shutdown.add('stop intake', () => sink.stopIntake());
shutdown.add('flush in-flight batch', () => sink.flush());
shutdown.add('commit offsets', () => sink.commit());
shutdown.add('close kafka clients', () => sink.close());
shutdown.add('close postgres pool', () => pool.end());

await runtime.start(async () => {
  await runtime.serveHealth({
    consumer: () => sink.checkConsumer(),
    postgres: () => pingPostgres(pool),
  });
  if (config.migrate) {
    // PostgreSQL may still be starting beside us: wait a little, not forever.
    await withRetry(() => migrate(pool, { schema: config.schema, logger }), {
      retries: 8,
      baseMs: 500,
      maxMs: 5_000,
      signal: runtime.signal,
      onRetry: ({ err, attempt }) => logger.warn({ err, attempt }, 'migrations failed; retrying'),
    });
  }
  await sink.start();
});
