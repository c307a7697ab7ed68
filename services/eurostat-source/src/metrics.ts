import type { LakestreamMetrics } from '@lakestream/observability';
import { Counter, Gauge, Histogram } from 'prom-client';
import { CHECK_NAMES } from './quality/checks.js';

/** The `component` label of each command's shared metrics. */
export const COMPONENTS = {
  catalog: 'eurostat_catalog',
  watch: 'eurostat_watch',
  sync: 'eurostat_sync',
} as const;

/** What a download fetched: the table of contents, the update feed, or a dataset. */
export type DownloadKind = 'toc' | 'feed' | 'data';

/** eurostat-source's metrics: the shared ones plus the service's own. */
export interface EurostatMetrics {
  shared: LakestreamMetrics;
  /** `lakestream_eurostat_download_seconds{kind}` (one answer, retries included) */
  downloadSeconds: Histogram<'kind'>;
  /** `lakestream_eurostat_download_bytes_total{kind}` */
  downloadBytes: Counter<'kind'>;
  /** `lakestream_eurostat_catalog_entries{type}` (datasets and tables in the last catalogue) */
  catalogEntries: Gauge<'type'>;
  /** `lakestream_eurostat_watched_datasets` (the watchlist's size) */
  watchedDatasets: Gauge;
  /** `lakestream_eurostat_datasets_behind` (watched datasets whose newest update is not loaded) */
  datasetsBehind: Gauge;
  /** `lakestream_eurostat_updates_announced_total{changed,source}` */
  updatesAnnounced: Counter<'changed' | 'source'>;
  /** `lakestream_eurostat_load_seconds{outcome}` (one version: checks, PostgreSQL and Parquet) */
  loadSeconds: Histogram<'outcome'>;
  /** `lakestream_eurostat_loaded_rows_total` (observed cells published) */
  loadedRows: Counter;
  /** `lakestream_eurostat_checks_failed_total{check}` (quality checks that refused a version) */
  checksFailed: Counter<'check'>;
  /** `lakestream_eurostat_parsed_cells_per_second` (the last load's read pass) */
  parsedCellsPerSecond: Gauge;
}

// From a small feed on a fast link to the whole table of contents on a slow one.
const DOWNLOAD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Adds eurostat-source's series to a service's registry. A run's success is the shared
 * `lakestream_last_success_timestamp_seconds{component}`, errors the shared
 * `lakestream_component_errors_total{component,code}`.
 */
export function createEurostatMetrics(shared: LakestreamMetrics): EurostatMetrics {
  const registers = [shared.registry];
  const metrics: EurostatMetrics = {
    shared,
    downloadSeconds: new Histogram({
      name: 'lakestream_eurostat_download_seconds',
      help: 'Seconds to download one answer from Eurostat, retries included.',
      labelNames: ['kind'],
      buckets: DOWNLOAD_BUCKETS,
      registers,
    }),
    downloadBytes: new Counter({
      name: 'lakestream_eurostat_download_bytes_total',
      help: 'Bytes downloaded from Eurostat.',
      labelNames: ['kind'],
      registers,
    }),
    catalogEntries: new Gauge({
      name: 'lakestream_eurostat_catalog_entries',
      help: 'Datasets and tables in the last table of contents loaded.',
      labelNames: ['type'],
      registers,
    }),
    watchedDatasets: new Gauge({
      name: 'lakestream_eurostat_watched_datasets',
      help: 'Datasets the keywords select (the watchlist).',
      registers,
    }),
    datasetsBehind: new Gauge({
      name: 'lakestream_eurostat_datasets_behind',
      help: 'Watched datasets whose newest update (feed or catalogue) is not loaded yet.',
      registers,
    }),
    updatesAnnounced: new Counter({
      name: 'lakestream_eurostat_updates_announced_total',
      help: 'Update events published to the updates topic (each dataset version once).',
      labelNames: ['changed', 'source'],
      registers,
    }),
    loadSeconds: new Histogram({
      name: 'lakestream_eurostat_load_seconds',
      help: 'Seconds to load one dataset version (quality checks, PostgreSQL and silver Parquet).',
      labelNames: ['outcome'],
      buckets: DOWNLOAD_BUCKETS,
      registers,
    }),
    loadedRows: new Counter({
      name: 'lakestream_eurostat_loaded_rows_total',
      help: 'Observed cells of the dataset versions published.',
      registers,
    }),
    checksFailed: new Counter({
      name: 'lakestream_eurostat_checks_failed_total',
      help: 'Quality checks failed; each failure keeps the previous version of its dataset.',
      labelNames: ['check'],
      registers,
    }),
    parsedCellsPerSecond: new Gauge({
      name: 'lakestream_eurostat_parsed_cells_per_second',
      help: "Observed cells per second of the last load's read pass: parsing the raw answer, encoding the rows and copying them into PostgreSQL.",
      registers,
    }),
  };
  // Every check's series exists from the start at 0: increase() does not count a series that
  // appears with its first refusal, so the alert on a refused version would miss it.
  for (const check of CHECK_NAMES) metrics.checksFailed.inc({ check }, 0);
  return metrics;
}
