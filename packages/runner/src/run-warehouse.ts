/**
 * The warehouse a pipeline run loads and builds gold in, as the runner sees it: where the loader
 * and dbt write (their target) and how the runner counts what they did. DuckDB is the default
 * path; BigQuery (Google's or the emulator) is the cloud path.
 */
import { SILVER_TABLE_NAMES } from '@lakestream/silver';
import {
  appliedBatches,
  GOLD_TABLES,
  goldRowCounts,
  warehouseSilverCounts,
} from './batch-counts.js';
import { type BigQueryEndpoint, bigqueryRows, finishedJobs } from './bigquery-rest.js';
import { dbtRunCostsFromFile, mergeCostSummary } from './cloud-costs.js';

/** A warehouse of a run. */
export interface RunWarehouse {
  /** The loader's WAREHOUSE_TARGET and dbt's `--target`. */
  readonly target: 'duckdb' | 'bigquery';
  /** Where it is, for the report (`duckdb /path`, `bigquery project`). */
  readonly description: string;
  /** Flags of the run's `dbt build` beside `--target`. */
  readonly dbtBuildFlags: readonly string[];
  /** Batch ids `_lakestream_loads` records as applied; empty before the first load. */
  appliedBatches(): Promise<Set<string>>;
  /** Rows of each gold table (null for one that does not exist). */
  goldRowCounts(): Promise<Map<string, number | null>>;
  /** Rows of each silver table. */
  silverCounts(): Promise<Map<string, number>>;
  /** What the loader's MERGE jobs since `since` processed, for the report; none on DuckDB. */
  mergeCosts?(since: Date): Promise<string>;
  /** What the dbt run of `runResultsPath` (run_results.json) processed; none on DuckDB. */
  dbtCosts?(runResultsPath: string): Promise<string>;
}

/**
 * The DuckDB path's build leaves out the models' unit tests. They check each model's SQL against
 * fixed fixtures, never the data, so dbt advises running them in development and CI rather than
 * in every production build; the suite runs them on DuckDB (dbt/test/gold.test.ts). The BigQuery
 * path keeps them: the emulator a cloud run starts is where the models' BigQuery SQL meets them.
 */
export const DUCKDB_BUILD_FLAGS = ['--exclude-resource-type', 'unit_test'] as const;

/** The default path's DuckDB file. */
export function duckdbWarehouse(path: string): RunWarehouse {
  return {
    target: 'duckdb',
    description: `duckdb ${path}`,
    dbtBuildFlags: DUCKDB_BUILD_FLAGS,
    appliedBatches: () => appliedBatches(path),
    goldRowCounts: () => goldRowCounts(path),
    silverCounts: () => warehouseSilverCounts(path),
  };
}

/** Where the cloud path's tables are. */
export interface BigqueryWarehouseOptions {
  /** Where BigQuery (or the emulator) answers. */
  endpoint: BigQueryEndpoint;
  /** The loader's dataset (BIGQUERY_DATASET), default `silver`. */
  silverDataset?: string;
  /** dbt's gold dataset, default `gold`. */
  goldDataset?: string;
}

/** A table or dataset that is not there yet (before the first load or build). */
const isNotFound = (err: unknown) => /\b404\b|not ?found/i.test((err as Error).message);

/** BigQuery: the loader's silver dataset and dbt's gold dataset, read through the REST API. */
export function bigqueryWarehouse(options: BigqueryWarehouseOptions): RunWarehouse {
  const { endpoint } = options;
  const silver = options.silverDataset ?? 'silver';
  const gold = options.goldDataset ?? 'gold';
  const table = (dataset: string, name: string) => `\`${endpoint.project}.${dataset}.${name}\``;
  const count = async (dataset: string, name: string): Promise<number | null> => {
    try {
      const [row] = await bigqueryRows(
        endpoint,
        `select count(*) as n from ${table(dataset, name)}`,
      );
      return Number(row?.n ?? 0);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  };
  return {
    target: 'bigquery',
    dbtBuildFlags: [],
    description: `bigquery ${endpoint.project}${endpoint.emulatorHost ? ' (emulator)' : ''}`,
    async appliedBatches() {
      try {
        const rows = await bigqueryRows(
          endpoint,
          `select batch_id from ${table(silver, '_lakestream_loads')}`,
        );
        return new Set(rows.map((r) => String(r.batch_id)));
      } catch (err) {
        if (isNotFound(err)) return new Set();
        throw err;
      }
    },
    async goldRowCounts() {
      const counts = new Map<string, number | null>();
      for (const name of GOLD_TABLES) counts.set(name, await count(gold, name));
      return counts;
    },
    async silverCounts() {
      const counts = new Map<string, number>();
      for (const name of SILVER_TABLE_NAMES) {
        const n = await count(silver, name);
        if (n !== null) counts.set(name, n);
      }
      return counts;
    },
    async mergeCosts(since) {
      // The loader names each job lakestream_<dataset>_<batch>_<table>_<step>_<salt>[_<attempt>].
      const merges = await finishedJobs(
        endpoint,
        new RegExp(`^lakestream_${silver}_.+_merge_[0-9a-f]{16}(_\\d+)?$`),
        since,
      );
      return mergeCostSummary(merges, endpoint.emulatorHost !== undefined);
    },
    async dbtCosts(runResultsPath) {
      const emulator = endpoint.emulatorHost !== undefined;
      return (await dbtRunCostsFromFile(runResultsPath, { emulator })).summary;
    },
  };
}
