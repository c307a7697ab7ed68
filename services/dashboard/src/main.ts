import { ConfigError } from '@lakestream/config';
import { createLogger, createMetrics, createShutdown } from '@lakestream/observability';
import { type DashboardConfig, loadDashboardConfig } from './config.js';
import { createDashboard } from './dashboard.js';

const SERVICE = 'dashboard';

let config: DashboardConfig;
try {
  config = loadDashboardConfig();
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
try {
  const dashboard = await createDashboard({
    config,
    logger,
    metrics,
    shuttingDown: () => shutdown.started,
  });
  // Stop intake (no new requests, let running ones finish) → release the warehouse.
  shutdown.add('close http server', () => dashboard.server.close());
  shutdown.add('close warehouse', () => dashboard.close());
  if (!shutdown.started) {
    const url = await dashboard.server.listen({ port: config.port, host: config.host });
    logger.info({ url }, 'dashboard listening');
  }
} catch (err) {
  fail('start-up failed')(err);
}
