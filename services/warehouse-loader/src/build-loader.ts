import { type ObjectStore, openObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import { createBigqueryTarget } from './bigquery-target.js';
import { duckdbPathOf, storageUrlOf, type WarehouseLoaderConfig } from './config.js';
import { createDbBigqueryWriter } from './db-bigquery.js';
import { createDbDuckdbWriter } from './db-duckdb.js';
import type { DbWriter } from './db-writer.js';
import { createDocumentsBigqueryWriter } from './documents-bigquery.js';
import { createDocumentsDuckdbWriter } from './documents-duckdb.js';
import type { DocumentsWriter } from './documents-writer.js';
import { createDuckdbTarget } from './duckdb-target.js';
import { metricCode } from './errors.js';
import type { GcsLoadOptions } from './gcs-load.js';
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
      ...retryOf(config),
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
          ...bigqueryOf(config),
        });
  const loader = createLoader({
    store,
    target,
    logger,
    ...(metrics ? { metrics } : {}),
    retry: retryOf(config),
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
  return createDbBigqueryWriter({ store, ...tempDir, ...bigqueryOf(config) });
}

/**
 * The documents worker's writer of a configuration: the DuckDB file, or BigQuery (loads read the
 * gs:// lake). Throws `LS_LOADER_CONFIG_INVALID` as `buildLoader` does.
 */
export function buildDocumentsWriter(
  config: WarehouseLoaderConfig,
  store: ObjectStore,
): DocumentsWriter {
  if (config.target === 'duckdb') {
    const tempDir = config.tempDir === undefined ? {} : { tempDir: config.tempDir };
    return createDocumentsDuckdbWriter({ path: duckdbPathOf(config), store, ...tempDir });
  }
  return createDocumentsBigqueryWriter({ store, ...bigqueryOf(config) });
}

/** The warehouse `gcs-load` writes to. */
export function gcsLoadTarget(config: WarehouseLoaderConfig): GcsLoadOptions['target'] {
  if (config.target === 'duckdb') return { kind: 'duckdb', path: duckdbPathOf(config) };
  return { kind: 'bigquery', ...bigqueryOf(config) };
}

/** The retries of one call (a store request, a warehouse write held by another process). */
export function retryOf(config: WarehouseLoaderConfig) {
  return { retries: config.retries, baseMs: config.retryBaseMs, maxMs: config.retryMaxMs };
}

/** How to reach BigQuery, as every BigQuery writer takes it. */
function bigqueryOf(config: WarehouseLoaderConfig) {
  return {
    ...(config.bigqueryProject === undefined ? {} : { projectId: config.bigqueryProject }),
    ...(config.bigqueryLocation === undefined ? {} : { location: config.bigqueryLocation }),
    ...(config.bigqueryEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.bigqueryEmulatorHost }),
  };
}
