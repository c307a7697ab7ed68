import type { LakestreamMetrics } from '@lakestream/observability';
import { Counter, Gauge } from 'prom-client';

/** The `component` label of the export's shared metrics. */
export const COMPONENT = 'firestore_export';

/** The export's metrics: the shared ones plus documents, bytes and time by table. */
export interface ExportMetrics {
  shared: LakestreamMetrics;
  /** `lakestream_firestore_export_documents_total{project,table}` */
  documents: Counter<'project' | 'table'>;
  /** `lakestream_firestore_export_bytes_total{project,table}` (gzip bytes written to the lake) */
  bytes: Counter<'project' | 'table'>;
  /** `lakestream_firestore_export_seconds{project,table}` (the last export: read → applied) */
  seconds: Gauge<'project' | 'table'>;
}

/**
 * Adds the export's own series to a service's registry. The last successful run is the shared
 * `lakestream_last_success_timestamp_seconds{component="firestore_export"}`, errors the shared
 * `lakestream_component_errors_total{component,code}`.
 */
export function createExportMetrics(shared: LakestreamMetrics): ExportMetrics {
  const registers = [shared.registry];
  const labelNames = ['project', 'table'] as const;
  return {
    shared,
    documents: new Counter({
      name: 'lakestream_firestore_export_documents_total',
      help: 'Documents exported to the lake (a reused run adds none).',
      labelNames,
      registers,
    }),
    bytes: new Counter({
      name: 'lakestream_firestore_export_bytes_total',
      help: 'Gzip bytes of the export objects written to the lake.',
      labelNames,
      registers,
    }),
    seconds: new Gauge({
      name: 'lakestream_firestore_export_seconds',
      help: "Seconds of a table's last export, from the first read to the loader's confirmation.",
      labelNames,
      registers,
    }),
  };
}
