import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createMetrics } from '@lakestream/observability';
import type { FastifyInstance } from 'fastify';
import { createDashboard, type Dashboard, loadDashboardConfig } from '../../src/index.js';

/** A temp LAKESTREAM_HOME: warehouse.duckdb, lake/ and run_results.json go in it. */
export interface TempHome {
  dir: string;
  warehouse: string;
  lake: string;
  runResults: string;
  remove(): Promise<void>;
}

export async function makeTempHome(): Promise<TempHome> {
  const dir = await mkdtemp(join(tmpdir(), 'lakestream-dashboard-'));
  return {
    dir,
    warehouse: join(dir, 'warehouse.duckdb'),
    lake: join(dir, 'lake'),
    runResults: join(dir, 'run_results.json'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A dashboard built from an environment, as main.ts builds it, not listening. */
export interface StartedDashboard {
  dashboard: Dashboard;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Builds the dashboard from `env` (over LAKESTREAM_HOME = the temp home, its run_results.json,
 * no answer cache, and Kafka on a port nobody listens on unless the env names brokers).
 */
export async function buildDashboard(
  home: TempHome,
  env: NodeJS.ProcessEnv = {},
): Promise<StartedDashboard> {
  const config = loadDashboardConfig({
    LAKESTREAM_HOME: home.dir,
    DASHBOARD_DBT_RUN_RESULTS: home.runResults,
    DASHBOARD_CACHE_TTL: '0ms',
    KAFKA_BROKERS: '127.0.0.1:1',
    DASHBOARD_KAFKA_TIMEOUT: '3s',
    ...env,
  });
  const logger = createLogger({
    service: 'dashboard-test',
    level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
  });
  const metrics = createMetrics({ service: 'dashboard-test', defaultMetrics: false });
  const dashboard = await createDashboard({ config, logger, metrics });
  return {
    dashboard,
    app: dashboard.server,
    async close() {
      await dashboard.server.close();
      await dashboard.close();
    },
  };
}
