import { type BatchManifest, SILVER_TABLE_NAMES } from '@lakestream/silver';
import { metricCode, TransformerError } from './errors.js';
import { COMPONENT, QUALITY_OUTCOMES, type TransformerMetrics } from './metrics.js';

/** Counts a published batch: its records, rows, bytes and quality checks. */
export function recordPublished(metrics: TransformerMetrics, manifest: BatchManifest): void {
  const { quality } = manifest;
  metrics.batches.inc({ result: 'published' });
  metrics.receivedEvents.inc({ component: COMPONENT }, quality.records_in);
  metrics.sentEvents.inc({ component: COMPONENT }, quality.rows_out);
  metrics.batchSize.observe({ component: COMPONENT }, quality.records_in);
  metrics.superseded.inc(quality.superseded);
  for (const table of SILVER_TABLE_NAMES) {
    const { rows, files } = manifest.tables[table]!;
    metrics.rowsWritten.inc({ table }, rows);
    metrics.batchRows.set({ table }, rows);
    metrics.sentBytes.inc(
      { component: COMPONENT },
      files.reduce((sum, f) => sum + f.bytes, 0),
    );
  }
  for (const check of quality.checks) {
    metrics.qualityChecks.inc({ check: check.name, status: check.status });
    if (check.status === 'quarantined')
      metrics.discardedEvents.inc({ component: COMPONENT, reason: check.name }, check.failing_rows);
  }
  for (const status of QUALITY_OUTCOMES)
    metrics.lastQuality.set({ status }, status === quality.status ? 1 : 0);
  metrics.lastSequence.set(manifest.sequence);
  metrics.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
}

/** Counts a failed batch; a failed quality gate also counts its checks. */
export function recordFailure(metrics: TransformerMetrics, err: unknown): void {
  metrics.batches.inc({ result: 'failed' });
  metrics.errors.inc({ component: COMPONENT, code: metricCode(err) });
  if (err instanceof TransformerError && err.code === 'LS_TRANSFORMER_QUALITY_FAILED') {
    const checks = (err.details?.checks ?? []) as { name: string; status: string }[];
    for (const check of checks)
      metrics.qualityChecks.inc({ check: check.name, status: check.status });
    for (const status of QUALITY_OUTCOMES)
      metrics.lastQuality.set({ status }, status === 'failed' ? 1 : 0);
  }
}
