export {
  type AppliedBatch,
  type BatchPlan,
  type BatchRef,
  listPublishedBatches,
  type PublishedBatch,
  planBatches,
  readBatch,
} from './batches.js';
export { classifyBigqueryError } from './bigquery-errors.js';
export { bigqueryMergeSql, stagingTableName } from './bigquery-sql.js';
export { type BigqueryTargetOptions, createBigqueryTarget } from './bigquery-target.js';
export { buildLoader, type LoaderParts } from './build-loader.js';
export { type CliCommand, parseCliArgs, USAGE } from './cli.js';
export {
  duckdbPathOf,
  storageUrlOf,
  WAREHOUSE_TARGETS,
  type WarehouseLoaderConfig,
  type WarehouseTargetName,
  warehouseLoaderConfig,
} from './config.js';
export { createDuckdbTarget, type DuckdbTargetOptions, duckdbUpsertSql } from './duckdb-target.js';
export { LOADER_ERROR_CODES, LoaderError, type LoaderErrorCode } from './errors.js';
export {
  type AppliedBatchResult,
  createLoader,
  formatSummary,
  type Loader,
  type LoaderOptions,
  type RunOptions,
  type RunSummary,
} from './loader.js';
export { createLoaderMetrics, type LoaderMetrics } from './loader-metrics.js';
export { LOADS_COLUMNS, LOADS_TABLE } from './loads-table.js';
export type { WarehouseTarget } from './target.js';
export { createWorker, type Worker, type WorkerOptions } from './worker.js';
