import type { AppliedBatch, PublishedBatch } from './batches.js';

/**
 * A warehouse the loader applies batches to. A run is `open` → `applied` → `apply`… → `close`;
 * the same target may be opened again for the next run (worker, `--every`).
 */
export interface WarehouseTarget {
  /** `duckdb` or `bigquery`, for metrics. */
  readonly kind: 'duckdb' | 'bigquery';
  /** Where the batches go, for logs and the summary (a file path, `project.dataset`). */
  readonly description: string;
  /** Connects, and creates the schema and tables that are missing (checking the ones that exist). */
  open(): Promise<void>;
  /** The batches `_lakestream_loads` records. */
  applied(): Promise<Map<string, AppliedBatch>>;
  /**
   * Applies one batch and records it, so that afterwards `applied()` lists it. Safe to call again
   * for the same batch after a failure or a crash at any point: the result is the same.
   */
  apply(batch: PublishedBatch): Promise<void>;
  /** Releases the connection (the DuckDB file is free for other processes again); idempotent. */
  close(): Promise<void>;
}
