import type { ObjectStore } from '@lakestream/object-store';
import { duckdbPathOf, type WarehouseLoaderConfig } from './config.js';
import { createDocumentsBigqueryWriter } from './documents-bigquery.js';
import { createDocumentsDuckdbWriter } from './documents-duckdb.js';
import type { DocumentsWriter } from './documents-writer.js';
import type { GcsLoadOptions } from './gcs-load.js';

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

function bigqueryOf(config: WarehouseLoaderConfig) {
  return {
    ...(config.bigqueryProject === undefined ? {} : { projectId: config.bigqueryProject }),
    ...(config.bigqueryLocation === undefined ? {} : { location: config.bigqueryLocation }),
    ...(config.bigqueryEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.bigqueryEmulatorHost }),
  };
}
