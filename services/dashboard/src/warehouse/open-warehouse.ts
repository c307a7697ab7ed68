import { type DashboardConfig, duckdbPathOf } from '../config.js';
import { openBigqueryWarehouse } from './bigquery-warehouse.js';
import { openDuckdbWarehouse } from './duckdb-warehouse.js';
import type { Warehouse } from './warehouse.js';

/** The warehouse the configuration names: the DuckDB file, or the BigQuery dataset. */
export function openWarehouse(
  config: Pick<
    DashboardConfig,
    | 'warehouse'
    | 'duckdbPath'
    | 'lakestreamHome'
    | 'bigqueryProject'
    | 'bigqueryDataset'
    | 'bigqueryEmulatorHost'
    | 'queryTimeoutMs'
  >,
): Warehouse {
  if (config.warehouse === 'bigquery') {
    if (config.bigqueryProject === undefined) {
      throw new TypeError('BIGQUERY_PROJECT is required when DASHBOARD_WAREHOUSE=bigquery');
    }
    return openBigqueryWarehouse({
      project: config.bigqueryProject,
      dataset: config.bigqueryDataset,
      queryTimeoutMs: config.queryTimeoutMs,
      ...(config.bigqueryEmulatorHost === undefined
        ? {}
        : { emulatorHost: config.bigqueryEmulatorHost }),
    });
  }
  return openDuckdbWarehouse({ path: duckdbPathOf(config), queryTimeoutMs: config.queryTimeoutMs });
}
