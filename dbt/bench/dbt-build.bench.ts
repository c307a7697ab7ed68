/**
 * Times `dbt build` (models, data tests and unit tests on the duckdb target) on a warehouse built
 * from a generated CSV of the real file's size, beside a reference: the same seven gold queries,
 * as dbt compiled them, run straight in DuckDB with no dbt around them.
 *
 *   pnpm --filter @lakestream/dbt bench [-- --rows 180519]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_ROWS, DEFAULT_SEED, writeCsv } from '@lakestream/datagen';
import { runDbt, setupDbt } from '../harness/run-dbt.js';
import { buildSilverWarehouse } from '../harness/silver-warehouse.js';
import { GOLD_CONTRACT } from '../test/gold-contract.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { rows: { type: 'string' }, seed: { type: 'string' } },
});
const rows = Number(values.rows ?? DEFAULT_ROWS);
const seed = Number(values.seed ?? DEFAULT_SEED);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
};

const [setup, setupMs] = await time(setupDbt);
if (setup.exitCode !== 0) throw new Error(`scripts/setup.sh failed:\n${setup.output}`);

const dir = await mkdtemp(join(tmpdir(), 'lakestream-dbt-bench-'));
try {
  const csv = join(dir, 'orders.csv');
  const warehouse = join(dir, 'warehouse.duckdb');
  const [, csvMs] = await time(() => writeCsv({ rows, seed, out: csv }));
  const [silver, silverMs] = await time(() => buildSilverWarehouse(warehouse, csv));
  const build = await runDbt(['build'], { warehouse, workDir: dir });
  if (build.exitCode !== 0) throw new Error(`dbt build failed:\n${build.output}`);
  const runResults = JSON.parse(await readFile(join(dir, 'target/run_results.json'), 'utf8'));

  const byKind = new Map<string, { count: number; seconds: number }>();
  for (const result of build.results) {
    const kind = result.unique_id.split('.')[0]!;
    const entry = byKind.get(kind) ?? { count: 0, seconds: 0 };
    byKind.set(kind, { count: entry.count + 1, seconds: entry.seconds + result.execution_time });
  }

  // Reference: the compiled gold SELECTs, run directly on the built warehouse.
  const instance = await DuckDBInstance.create(warehouse, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  let referenceMs = 0;
  try {
    for (const table of Object.keys(GOLD_CONTRACT)) {
      const sql = await readFile(
        join(dir, 'target/compiled/lakestream/models/marts', `${table}.sql`),
        'utf8',
      );
      const [, ms] = await time(() => connection.run(`select count(*) from (${sql})`));
      referenceMs += ms;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }

  console.log(`dbt build on ${silver.rows.fct_order_items.toLocaleString('en')} order items`);
  console.log(`  silver tables: ${JSON.stringify(silver.rows)}`);
  console.log(`  venv set-up check             ${seconds(setupMs)}`);
  console.log(`  generate CSV                  ${seconds(csvMs)}`);
  console.log(`  build silver fixture (DuckDB) ${seconds(silverMs)}`);
  console.log(`  dbt build, wall clock         ${seconds(build.wallMs)}`);
  console.log(`  dbt build, dbt's elapsed      ${seconds(runResults.elapsed_time * 1000)}`);
  for (const [kind, { count, seconds: s }] of byKind) {
    console.log(`    ${kind.padEnd(10)} ${String(count).padStart(4)} nodes, Σ ${s.toFixed(1)} s`);
  }
  console.log(`  reference: 7 gold queries run directly in DuckDB ${seconds(referenceMs)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
