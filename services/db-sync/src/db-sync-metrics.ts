import type { LakestreamMetrics } from '@lakestream/observability';
import { Counter } from 'prom-client';

/** The `component` label of db-sync's shared metrics. */
export const COMPONENT = 'db_sync';

/** db-sync's metrics: the shared ones plus rows and tables by database. */
export interface DbSyncMetrics {
  shared: LakestreamMetrics;
  /** `lakestream_db_sync_rows_read_total{database,table}` (rows published to the table topic) */
  rowsRead: Counter<'database' | 'table'>;
  /** `lakestream_db_sync_tables_total{database,outcome}` (outcome: synced | failed) */
  tables: Counter<'database' | 'outcome'>;
}

/**
 * Adds db-sync's own series to a service's registry. A table's sync time is the shared
 * `lakestream_batch_duration_seconds{component="db_sync"}` (read → confirmed), errors the shared
 * `lakestream_component_errors_total{component,code}`.
 */
export function createDbSyncMetrics(shared: LakestreamMetrics): DbSyncMetrics {
  const registers = [shared.registry];
  return {
    shared,
    rowsRead: new Counter({
      name: 'lakestream_db_sync_rows_read_total',
      help: 'Source rows read and published to their table topic.',
      labelNames: ['database', 'table'],
      registers,
    }),
    tables: new Counter({
      name: 'lakestream_db_sync_tables_total',
      help: 'Table syncs finished, by outcome (synced: confirmed by the warehouse; failed).',
      labelNames: ['database', 'outcome'],
      registers,
    }),
  };
}
