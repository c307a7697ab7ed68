/**
 * What loading one dataset version takes and gives: the contract between the dataset sync (which
 * downloads the answer and lands it in bronze) and the loader (which checks it and publishes it to
 * silver Parquet and PostgreSQL).
 */
import type { ObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import type pg from 'pg';
import type { EurostatMetrics } from '../metrics.js';
import type { CheckResult } from '../quality/checks.js';

export type { CheckResult };

/** One dataset version, saved on local disk. */
export interface VersionToLoad {
  /** The dataset code (any case; loaded lower case). */
  code: string;
  /** The version's update time, UTC ISO (`2024-05-01T09:00:00Z`): the answer's `updated`. */
  updateTime: string;
  /** Local path of the raw answer, `.json` or `.json.gz`. */
  file: string;
  /** Where the raw answer was landed in bronze (`bronze/eurostat/<code>/<time>.json.gz`). */
  bronzeKey: string;
  /** Load even when this version is loaded already (`sync --force`). */
  force?: boolean;
}

/** What a load needs. */
export interface LoadDeps {
  pool: pg.Pool;
  /** The lake: silver Parquet goes here. */
  store: ObjectStore;
  logger: Logger;
  metrics?: EurostatMetrics;
  /** Largest relative change of the row count against the previous loaded version (0.5 = ±50 %). */
  maxRowChangeRatio: number;
  /** Folder for DuckDB's temporary files (default: the OS temporary folder). */
  tempDir?: string;
}

/**
 * How a load ended: `loaded` (published), `unchanged` (this version was loaded already and not
 * forced: nothing written), `rejected` (a check failed: the previous version stays published).
 */
export interface LoadOutcome {
  status: 'loaded' | 'unchanged' | 'rejected';
  /** Observed cells of the version (0 when unchanged). */
  rows: number;
  checks: CheckResult[];
  seconds: number;
}
