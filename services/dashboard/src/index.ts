export { type AnswerCache, createAnswerCache } from './answer-cache.js';
export {
  type DashboardConfig,
  dashboardConfig,
  dbtRunResultsOf,
  duckdbPathOf,
  loadDashboardConfig,
  storageUrlOf,
} from './config.js';
export { createDashboard, type Dashboard, type DashboardOptions } from './dashboard.js';
export {
  DashboardError,
  type DashboardErrorCode,
  type ErrorBody,
  errorBodyOf,
  httpStatusOf,
} from './errors.js';
export {
  createGoldQueries,
  type DepartmentCommitments,
  FLAGGED_CUSTOMERS_SHOWN,
  type FlaggedCustomer,
  type GoldQueries,
  goldSql,
  type KpiSummary,
  type MonthlyPerformance,
  type RetentionMonth,
  type ShippingDelay,
} from './gold-queries.js';
export { type BronzeStatus, readBronzeStatus } from './pipeline/bronze-status.js';
export {
  type GroupLag,
  type LagReport,
  type LagTarget,
  readConsumerLag,
} from './pipeline/consumer-lag.js';
export { type DbtStatus, readDbtStatus } from './pipeline/dbt-status.js';
export { readSilverStatus, type SilverStatus } from './pipeline/silver-status.js';
export {
  buildDashboardServer,
  type DashboardServerOptions,
  describeSource,
  type PipelineSources,
} from './server.js';
export { loadStaticAssets, type StaticAssets } from './static-assets.js';
export { formatSummary } from './summary-text.js';
export { openBigqueryWarehouse } from './warehouse/bigquery-warehouse.js';
export { openDuckdbWarehouse } from './warehouse/duckdb-warehouse.js';
export { openWarehouse } from './warehouse/open-warehouse.js';
export {
  bigqueryDialect,
  duckdbDialect,
  type GoldTable,
  type Row,
  type SqlDialect,
  type Warehouse,
} from './warehouse/warehouse.js';
