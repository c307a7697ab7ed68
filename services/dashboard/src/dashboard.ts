import { createKafka } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import type { FastifyInstance } from 'fastify';
import { logLevel } from 'kafkajs';
import { createAnswerCache } from './answer-cache.js';
import { type DashboardConfig, dbtRunResultsOf, storageUrlOf } from './config.js';
import { createGoldQueries } from './gold-queries.js';
import { readBronzeStatus } from './pipeline/bronze-status.js';
import { readConsumerLag } from './pipeline/consumer-lag.js';
import { readDbtStatus } from './pipeline/dbt-status.js';
import { readSilverStatus } from './pipeline/silver-status.js';
import { buildDashboardServer } from './server.js';
import { loadStaticAssets } from './static-assets.js';
import { openWarehouse } from './warehouse/open-warehouse.js';

/** Options of `createDashboard`. */
export interface DashboardOptions {
  config: DashboardConfig;
  logger: Logger;
  metrics: LakestreamMetrics;
  /** True once shutdown started (for /readyz). */
  shuttingDown?: () => boolean;
}

/** A dashboard built from its configuration, not yet listening. */
export interface Dashboard {
  readonly server: FastifyInstance;
  /** Closes the warehouse handle; idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the dashboard from its configuration: the warehouse (DuckDB or BigQuery), a Kafka
 * client for the lag panel (fast-failing: short timeouts and few quick retries, its own logs
 * silenced since an unreachable cluster is shown on the page), the lake's object store
 * and dbt's results file.
 */
export async function createDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { config, logger, metrics } = options;
  const warehouse = openWarehouse(config);
  const store = openObjectStore(storageUrlOf(config), {
    ...(config.storageEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.storageEmulatorHost }),
    retry: { retries: 1 },
  });
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger,
    overrides: {
      logLevel: logLevel.NOTHING,
      connectionTimeout: Math.min(config.kafkaTimeoutMs, 3_000),
      requestTimeout: config.kafkaTimeoutMs,
      // kafkajs needs a retry to load metadata before the group-coordinator look-up.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    },
  });
  const dbtRunResults = dbtRunResultsOf(config);
  const server = await buildDashboardServer({
    gold: createGoldQueries(warehouse),
    warehouse: { kind: config.warehouse, location: warehouse.location },
    pipeline: {
      consumerLag: () =>
        readConsumerLag({ kafka, targets: config.lagGroups, timeoutMs: config.kafkaTimeoutMs }),
      bronze: () => readBronzeStatus(store),
      silver: () => readSilverStatus(store),
      dbt: () => readDbtStatus(dbtRunResults),
    },
    assets: await loadStaticAssets(),
    cache: createAnswerCache(config.cacheTtlMs),
    refreshMs: config.refreshMs,
    metrics,
    logger,
    ...(options.shuttingDown === undefined ? {} : { shuttingDown: options.shuttingDown }),
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    close() {
      closing ??= warehouse.close();
      return closing;
    },
  };
}
