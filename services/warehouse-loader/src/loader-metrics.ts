import type { LakestreamMetrics } from '@lakestream/observability';
import { Counter, Gauge } from 'prom-client';

/** The `component` label of the loader's shared metrics. */
export const COMPONENT = 'warehouse_loader';

/** The loader's metrics: the shared ones plus per-table row counts. */
export interface LoaderMetrics {
  shared: LakestreamMetrics;
  /** `lakestream_warehouse_batches_applied_total{target}` */
  batchesApplied: Counter<'target'>;
  /** `lakestream_warehouse_rows_loaded_total{target,table}` (rows of the applied batches' files) */
  rowsLoaded: Counter<'target' | 'table'>;
  /** `lakestream_warehouse_pending_batches{target}`: published, not yet applied (after the last plan). */
  pendingBatches: Gauge<'target'>;
  /** `lakestream_warehouse_last_applied_sequence{target}` */
  lastAppliedSequence: Gauge<'target'>;
}

/**
 * Adds the loader's own series to a service's registry. Load duration is the shared
 * `lakestream_batch_duration_seconds{component="warehouse_loader"}` (one observation per batch),
 * errors the shared `lakestream_component_errors_total{component,code}`.
 */
export function createLoaderMetrics(shared: LakestreamMetrics): LoaderMetrics {
  const registers = [shared.registry];
  return {
    shared,
    batchesApplied: new Counter({
      name: 'lakestream_warehouse_batches_applied_total',
      help: 'Silver batches applied to the warehouse.',
      labelNames: ['target'],
      registers,
    }),
    rowsLoaded: new Counter({
      name: 'lakestream_warehouse_rows_loaded_total',
      help: 'Rows of the applied batches, by silver table.',
      labelNames: ['target', 'table'],
      registers,
    }),
    pendingBatches: new Gauge({
      name: 'lakestream_warehouse_pending_batches',
      help: 'Published silver batches not yet applied, as of the last run.',
      labelNames: ['target'],
      registers,
    }),
    lastAppliedSequence: new Gauge({
      name: 'lakestream_warehouse_last_applied_sequence',
      help: 'Sequence number of the last silver batch applied.',
      labelNames: ['target'],
      registers,
    }),
  };
}
