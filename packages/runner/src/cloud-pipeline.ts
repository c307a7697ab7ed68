/**
 * `run --cloud` and `demo --cloud`: the pipeline with the lake in Cloud Storage and the warehouse
 * and gold in BigQuery, then (demo) the same silver batches into a DuckDB warehouse through the
 * default path's loader and dbt build, and every gold table of the two compared row by row.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChildResult, runChild, TS_NODE } from './child-process.js';
import { type CloudBigquery, prepareCloud } from './cloud-run.js';
import { compareGold, formatGoldComparison, type GoldComparison } from './gold-compare.js';
import { type PipelineRunOptions, type PipelineRunReport, runPipeline } from './pipeline-run.js';
import { DUCKDB_BUILD_FLAGS } from './run-warehouse.js';

/** Options of `runCloudPipeline`: those of `runPipeline` but the warehouse, and the cloud's. */
export interface CloudPipelineOptions
  extends Omit<PipelineRunOptions, 'warehouse' | 'dbtTargetPath'> {
  bigquery: CloudBigquery;
  /** Also build the DuckDB path on the same silver and compare every gold table (demo). */
  compare?: boolean;
  /** Print the dashboard's `summary` read from BigQuery after a successful run. */
  summary?: boolean;
}

/** What `runCloudPipeline` did. */
export interface CloudPipelineReport {
  run: PipelineRunReport;
  /** The dashboard summary's lines, read from BigQuery (empty when not asked or the run failed). */
  summary: string[];
  comparison?: GoldComparison;
  /** The comparison's report; or why there is none. */
  comparisonText?: string;
  ok: boolean;
}

/** Runs the cloud path, then what `compare` and `summary` ask; stops what it started in any case. */
export async function runCloudPipeline(
  options: CloudPipelineOptions,
): Promise<CloudPipelineReport> {
  const { home, root, say, signal } = options;
  const cloud = await prepareCloud({ env: options.env, bigquery: options.bigquery, say });
  try {
    const bigqueryTarget = join(home, 'dbt', 'target-bigquery');
    const run = await runPipeline({
      ...options,
      env: cloud.env,
      warehouse: cloud.warehouse,
      dbtTargetPath: bigqueryTarget,
    });
    const report: CloudPipelineReport = { run, summary: [], ok: run.ok };
    if (!run.ok) return report;
    const child = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) =>
      runChild(command, args, {
        cwd: root,
        env,
        logFile: join(home, 'logs', `run-${name}.log`),
        ...(signal ? { signal } : {}),
      });
    if (options.summary) {
      const summary = await child(
        'dashboard-summary',
        process.execPath,
        [...TS_NODE, 'services/dashboard/src/cli.ts', 'summary'],
        cloud.env,
      );
      report.summary = summary.stdout.trimEnd().split('\n');
    }
    if (!options.compare) return report;

    // The default path's warehouse and dbt build, fresh, on the same silver batches.
    const compareDir = join(home, 'cloud-compare');
    const warehousePath = join(compareDir, 'warehouse.duckdb');
    const duckdbTarget = join(compareDir, 'dbt-target');
    await rm(compareDir, { recursive: true, force: true });
    const duckEnv = {
      ...cloud.env,
      WAREHOUSE_TARGET: 'duckdb',
      WAREHOUSE_DUCKDB_PATH: warehousePath,
      LAKESTREAM_WAREHOUSE: warehousePath,
      DBT_TARGET_PATH: duckdbTarget,
      DBT_LOG_PATH: join(compareDir, 'dbt-logs'),
    };
    const failed = (what: string, result: ChildResult) => {
      report.ok = false;
      report.comparisonText = `${what} failed (exit ${result.code ?? result.signal}): ${result.stderrTail.slice(-3).join(' | ')}`;
      return report;
    };
    say('DuckDB path: warehouse-loader on the same silver batches');
    const loader = await child(
      'compare-loader',
      process.execPath,
      [...TS_NODE, 'services/warehouse-loader/src/main.ts', 'run'],
      duckEnv,
    );
    if (loader.code !== 0) return failed("the DuckDB path's loader", loader);
    say(`DuckDB path: dbt build --target duckdb ${DUCKDB_BUILD_FLAGS.join(' ')}`);
    const dbt = await child(
      'compare-dbt',
      join(root, 'dbt', 'scripts', 'dbt.sh'),
      ['build', '--target', 'duckdb', ...DUCKDB_BUILD_FLAGS],
      duckEnv,
    );
    if (dbt.code !== 0) return failed("the DuckDB path's dbt build", dbt);
    say('comparing every gold table: DuckDB against BigQuery');
    report.comparison = await compareGold({
      warehousePath,
      manifestPath: join(bigqueryTarget, 'manifest.json'),
      bigquery: cloud.endpoint,
    });
    report.comparisonText = formatGoldComparison(report.comparison);
    report.ok = report.comparison.equal === report.comparison.total;
    return report;
  } finally {
    await cloud.close();
  }
}
