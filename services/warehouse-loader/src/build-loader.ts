import { type ObjectStore, openObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import { createBigqueryTarget } from './bigquery-target.js';
import { duckdbPathOf, storageUrlOf, type WarehouseLoaderConfig } from './config.js';
import { createDbBigqueryWriter } from './db-bigquery.js';
import { createDbDuckdbWriter } from './db-duckdb.js';
import type { DbWriter } from './db-writer.js';
import { createDuckdbTarget } from './duckdb-target.js';
import { metricCode } from './errors.js';
import { createLoader, type Loader } from './loader.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';
import type { WarehouseTarget } from './target.js';

/** The store, target and loader a configuration describes. */
export interface LoaderParts {
  store: ObjectStore;
  target: WarehouseTarget;
  loader: Loader;
}

/**
 * Builds the loader of a configuration. Throws `LS_LOADER_CONFIG_INVALID` when the settings
 * cannot work together (the bigquery target needs a gs:// store; an emulator needs a project).
 */
export function buildLoader(
  config: WarehouseLoaderConfig,
  deps: { logger: Logger; metrics?: LoaderMetrics },
): LoaderParts {
  const { logger, metrics } = deps;
  const store = openObjectStore(storageUrlOf(config), {
    ...(config.storageEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.storageEmulatorHost }),
    retry: {
      retries: config.retries,
      baseMs: config.retryBaseMs,
      maxMs: config.retryMaxMs,
      onRetry: ({ err, attempt, delayMs }) => {
        metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
        logger.warn({ err, attempt, delayMs }, 'object store call failed; retrying');
      },
    },
  });
  const target =
    config.target === 'duckdb'
      ? createDuckdbTarget({
          path: duckdbPathOf(config),
          store,
          ...(config.tempDir === undefined ? {} : { tempDir: config.tempDir }),
        })
      : createBigqueryTarget({
          store,
          dataset: config.bigqueryDataset,
          ...(config.bigqueryProject === undefined ? {} : { projectId: config.bigqueryProject }),
          ...(config.bigqueryLocation === undefined ? {} : { location: config.bigqueryLocation }),
          ...(config.bigqueryEmulatorHost === undefined
            ? {}
            : { emulatorHost: config.bigqueryEmulatorHost }),
        });
  const loader = createLoader({
    store,
    target,
    logger,
    ...(metrics ? { metrics } : {}),
    retry: { retries: config.retries, baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
  });
  return { store, target, loader };
}

/**
 * The db worker's writer of a configuration: `src_<database>` in the DuckDB file, or datasets
 * `src_<database>` in BigQuery (loads staged through the gs:// lake). Throws
 * `LS_LOADER_CONFIG_INVALID` as `buildLoader` does.
 */
export function buildDbWriter(config: WarehouseLoaderConfig, store: ObjectStore): DbWriter {
  const tempDir = config.tempDir === undefined ? {} : { tempDir: config.tempDir };
  if (config.target === 'duckdb') {
    return createDbDuckdbWriter({ path: duckdbPathOf(config), store, ...tempDir });
  }
  return createDbBigqueryWriter({
    store,
    ...tempDir,
    ...(config.bigqueryProject === undefined ? {} : { projectId: config.bigqueryProject }),
    ...(config.bigqueryLocation === undefined ? {} : { location: config.bigqueryLocation }),
    ...(config.bigqueryEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.bigqueryEmulatorHost }),
  });
}
