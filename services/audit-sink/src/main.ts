import { ConfigError, loadConfig, withRetry } from '@lakestream/config';
import { createKafka } from '@lakestream/kafka';
import {
  createLogger,
  createMetrics,
  createShutdown,
  startHealthServer,
} from '@lakestream/observability';
import { createAuditSink } from './audit-sink.js';
import { type AuditSinkConfig, auditSinkConfig } from './config.js';
import { migrate } from './migrations.js';
import { createPool, pingPostgres } from './postgres.js';

const SERVICE = 'audit-sink';

let config: AuditSinkConfig;
try {
  config = loadConfig(auditSinkConfig);
} catch (err) {
  // Before the logger exists; the message lists every problem and never a secret value.
  process.stderr.write(`${SERVICE}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}

const logger = createLogger({ service: SERVICE, level: config.logLevel });
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
  onFatal: fail('audit sink failed'),
});

// The documented order: stop intake → flush → commit offsets → close clients.
shutdown.add('stop intake', () => sink.stopIntake());
shutdown.add('flush in-flight batch', () => sink.flush());
shutdown.add('commit offsets', () => sink.commit());
shutdown.add('close kafka clients', () => sink.close());
shutdown.add('close postgres pool', () => pool.end());

try {
  const health = await startHealthServer({
    port: config.metricsPort,
    host: config.metricsHost,
    registry: metrics.registry,
    logger,
    readiness: {
      consumer: () => sink.checkConsumer(),
      postgres: () => pingPostgres(pool),
    },
  });
  shutdown.add('close health server', () => health.close());

  if (config.migrate) {
    // PostgreSQL may still be starting beside us: wait a little, not forever.
    await withRetry(() => migrate(pool, { schema: config.schema, logger }), {
      retries: 8,
      baseMs: 500,
      maxMs: 5_000,
      onRetry: ({ err, attempt }) => logger.warn({ err, attempt }, 'migrations failed; retrying'),
    });
  }
  if (!shutdown.started) await sink.start();
} catch (err) {
  // A signal during start-up closes the clients under it; that failure is the shutdown's.
  if (shutdown.started) logger.info({ err }, 'start-up interrupted by shutdown');
  else fail('start-up failed')(err);
}
