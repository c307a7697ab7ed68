import type { LakestreamMetrics } from '@lakestream/observability';
import { Counter, Gauge } from 'prom-client';

/** The metrics `component` label of the transformer. */
export const COMPONENT = 'transformer';

/** The shared metrics plus the transformer's own, in one registry. */
export interface TransformerMetrics extends LakestreamMetrics {
  /** `lakestream_transformer_batches_total{result}`: published, empty (nothing new) or failed. */
  batches: Counter<'result'>;
  /** `lakestream_transformer_rows_total{table}`: rows written to silver, by table. */
  rowsWritten: Counter<'table'>;
  /** `lakestream_transformer_batch_rows{table}`: rows of the last published batch, by table. */
  batchRows: Gauge<'table'>;
  /** `lakestream_transformer_superseded_total`: older versions of items dropped by deduplication. */
  superseded: Counter<never>;
  /** `lakestream_transformer_quality_checks_total{check,status}`: outcome of every gate check. */
  qualityChecks: Counter<'check' | 'status'>;
  /** `lakestream_transformer_last_batch_quality{status}`: 1 for the last batch's outcome, else 0. */
  lastQuality: Gauge<'status'>;
  /** `lakestream_transformer_last_batch_sequence`: sequence of the last published batch. */
  lastSequence: Gauge<never>;
}

/** The quality outcomes `lastQuality` reports. */
export const QUALITY_OUTCOMES = ['passed', 'passed_with_quarantine', 'failed'] as const;

/** Adds the transformer's metrics to a service's shared metrics. */
export function withTransformerMetrics(shared: LakestreamMetrics): TransformerMetrics {
  const registers = [shared.registry];
  return {
    ...shared,
    batches: new Counter({
      name: 'lakestream_transformer_batches_total',
      help: 'Transformer runs by result: published, empty (nothing new) or failed.',
      labelNames: ['result'],
      registers,
    }),
    rowsWritten: new Counter({
      name: 'lakestream_transformer_rows_total',
      help: 'Rows written to silver, by table.',
      labelNames: ['table'],
      registers,
    }),
    batchRows: new Gauge({
      name: 'lakestream_transformer_batch_rows',
      help: 'Rows of the last published batch, by table.',
      labelNames: ['table'],
      registers,
    }),
    superseded: new Counter({
      name: 'lakestream_transformer_superseded_total',
      help: 'Older versions of order items superseded by a later offset.',
      registers,
    }),
    qualityChecks: new Counter({
      name: 'lakestream_transformer_quality_checks_total',
      help: 'Data-quality checks by name and status (passed, quarantined, failed).',
      labelNames: ['check', 'status'],
      registers,
    }),
    lastQuality: new Gauge({
      name: 'lakestream_transformer_last_batch_quality',
      help: "1 for the last batch's quality outcome (passed, passed_with_quarantine, failed), 0 for the others.",
      labelNames: ['status'],
      registers,
    }),
    lastSequence: new Gauge({
      name: 'lakestream_transformer_last_batch_sequence',
      help: 'Sequence number of the last published silver batch.',
      registers,
    }),
  };
}
