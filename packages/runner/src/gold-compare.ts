/**
 * The check that the cloud path and the default path agree: every gold table read from the DuckDB
 * warehouse and from BigQuery, compared row by row on its unique key (from dbt's manifest).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GOLD_TABLES } from './batch-counts.js';
import type { BigQueryEndpoint } from './bigquery-rest.js';
import { dbtRunCostsFromFile } from './cloud-costs.js';
import { readBigQueryTables } from './gold-compare-bigquery.js';
import { readDuckdbTables } from './gold-compare-duckdb.js';
import { goldTablesFromManifest } from './gold-compare-keys.js';
import { compareTable, describeDifference, type TableComparison } from './gold-compare-rows.js';

/** What to compare. */
export interface GoldCompareOptions {
  /** The DuckDB warehouse file of the default path. */
  warehousePath: string;
  /** dbt's manifest.json (any target: the tests are the same), for each table's unique key. */
  manifestPath: string;
  bigquery: BigQueryEndpoint;
  /** Schema (DuckDB) and dataset (BigQuery) of the gold tables. */
  schema?: string;
  tables?: readonly string[];
  /** How many differing rows each table reports. */
  limit?: number;
}

/** The verdict over every gold table. */
export interface GoldComparison {
  readonly tables: readonly TableComparison[];
  readonly equal: number;
  readonly total: number;
}

/** Reads both warehouses and compares every gold table. */
export async function compareGold(options: GoldCompareOptions): Promise<GoldComparison> {
  const tables = options.tables ?? GOLD_TABLES;
  const schema = options.schema ?? 'gold';
  const specs = await goldTablesFromManifest(options.manifestPath, tables);
  const duckdb = await readDuckdbTables(options.warehousePath, schema, tables);
  const bigquery = await readBigQueryTables(options.bigquery, schema, tables);
  const results = tables.map((table) => {
    const { key, exact } = specs.get(table)!;
    return compareTable(table, key, duckdb.get(table)!, bigquery.get(table)!, {
      exact,
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    });
  });
  return { tables: results, equal: results.filter((r) => r.equal).length, total: results.length };
}

/** The report: one line per table, its first differences, then the closing line. */
export function formatGoldComparison(comparison: GoldComparison): string {
  const width = Math.max(...comparison.tables.map((t) => t.table.length));
  const lines: string[] = [];
  for (const t of comparison.tables) {
    const rows =
      t.duckdbRows === t.bigqueryRows
        ? `${t.duckdbRows} rows`
        : `${t.duckdbRows} rows in DuckDB, ${t.bigqueryRows} in BigQuery`;
    if (t.equal) {
      const money = t.exactColumns.length > 0 ? `, money exact (${t.exactColumns.join(', ')})` : '';
      const float =
        t.maxFloatDeviation > 0
          ? `, other floats within ${t.maxFloatDeviation.toExponential(1)}`
          : '';
      lines.push(
        `  ${t.table.padEnd(width)}  equal      ${rows}, key (${t.key.join(', ')})${money}${float}`,
      );
      continue;
    }
    lines.push(
      `  ${t.table.padEnd(width)}  DIFFERENT  ${rows}, ${t.differenceCount} differing row(s)`,
    );
    for (const problem of t.schemaProblems) lines.push(`      ${problem}`);
    for (const difference of t.firstDifferences)
      lines.push(`      ${describeDifference(difference)}`);
  }
  lines.push(`gold equal to the DuckDB path: ${comparison.equal}/${comparison.total} tables`);
  return lines.join('\n');
}

const USAGE = `usage: gold-compare [--warehouse FILE] [--manifest FILE] [--run-results FILE]
                    [--project ID] [--location LOC] [--limit N]

Compares every gold table of the DuckDB warehouse with the same table in BigQuery (the emulator when
BIGQUERY_EMULATOR_HOST is set), row by row on the unique key of its dbt tests. Exit 0 when all are
equal, 1 when one differs. --run-results also prints the dbt run's bytes processed.
  --warehouse    default $LAKESTREAM_HOME/warehouse.duckdb
  --manifest     default $DBT_TARGET_PATH/manifest.json ($LAKESTREAM_HOME/dbt/target)
  --project      default $LAKESTREAM_BQ_PROJECT or $BIGQUERY_PROJECT
  --location     default $LAKESTREAM_BQ_LOCATION or US
Google's BigQuery needs LAKESTREAM_BQ_ACCESS_TOKEN or a metadata server (Workload Identity).`;

/** The command: compares, prints the report, returns the exit status. */
export async function main(argv: readonly string[], env = process.env): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      warehouse: { type: 'string' },
      manifest: { type: 'string' },
      'run-results': { type: 'string' },
      project: { type: 'string' },
      location: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const home = env.LAKESTREAM_HOME ?? join(import.meta.dirname, '../../../.lakestream');
  const targetPath = env.DBT_TARGET_PATH ?? join(home, 'dbt', 'target');
  const project = values.project ?? env.LAKESTREAM_BQ_PROJECT ?? env.BIGQUERY_PROJECT;
  if (!project) {
    console.error(
      `gold-compare: no BigQuery project (--project or LAKESTREAM_BQ_PROJECT)\n${USAGE}`,
    );
    return 2;
  }
  const emulatorHost = env.BIGQUERY_EMULATOR_HOST || undefined;
  const comparison = await compareGold({
    warehousePath: values.warehouse ?? env.LAKESTREAM_WAREHOUSE ?? join(home, 'warehouse.duckdb'),
    manifestPath: values.manifest ?? join(targetPath, 'manifest.json'),
    bigquery: {
      project,
      location: values.location ?? env.LAKESTREAM_BQ_LOCATION ?? 'US',
      ...(emulatorHost ? { emulatorHost } : {}),
      ...(env.LAKESTREAM_BQ_ACCESS_TOKEN ? { accessToken: env.LAKESTREAM_BQ_ACCESS_TOKEN } : {}),
    },
    ...(values.limit ? { limit: Number(values.limit) } : {}),
  });
  console.log(formatGoldComparison(comparison));
  if (values['run-results']) {
    const costs = await dbtRunCostsFromFile(values['run-results'], {
      emulator: emulatorHost !== undefined,
    });
    console.log(costs.summary);
  }
  return comparison.equal === comparison.total ? 0 : 1;
}
