import { createServiceRuntime, loadServiceConfig } from '@lakestream/observability';
import { loadDashboardConfig } from './config.js';
import { createDashboard } from './dashboard.js';

const SERVICE = 'dashboard';

const config = loadServiceConfig(SERVICE, loadDashboardConfig);
const runtime = createServiceRuntime({ service: SERVICE, config });
const { logger, metrics, shutdown } = runtime;

logger.info({ config }, 'starting');
await runtime.start(async () => {
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
});
