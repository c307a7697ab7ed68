/**
 * `dbt build` on a warehouse generated from a DataCo-shaped CSV: every model, data test and unit
 * test passes, the gold tables have exactly the contract's columns, and every gold row equals an
 * independent computation from the CSV in TypeScript (test/reference-gold.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCsv } from '@lakestream/datagen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBT_DIR, type DbtRun, runDbt, setupDbt } from '../harness/run-dbt.js';
import { buildSilverWarehouse, queryWarehouse } from '../harness/silver-warehouse.js';
import { GOLD_CONTRACT, GOLD_GRAIN, type GoldTable } from './gold-contract.js';
import { readModelDocs } from './model-docs.js';
import { type CsvItem, type GoldRow, readCsvItems, referenceGold } from './reference-gold.js';

const ROWS = 4_000;
const SEED = 20_240_501;
const GOLD_TABLES = Object.keys(GOLD_CONTRACT) as GoldTable[];

/** DuckDB values as plain JSON-like values: DATE → `YYYY-MM-DD`, BIGINT → number. */
function plain(value: unknown): string | number | boolean | null {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'bigint') return Number(value);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    return value as string | number | boolean | null;
  }
  return String(value);
}

const grainKey = (table: GoldTable, row: GoldRow) =>
  JSON.stringify(GOLD_GRAIN[table].map((column) => row[column]));

function closeEnough(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  }
  return actual === expected;
}

describe('dbt build on a generated silver warehouse', () => {
  let dir: string;
  let warehouse: string;
  let build: DbtRun;
  let items: CsvItem[];
  const gold = {} as Record<GoldTable, GoldRow[]>;

  beforeAll(async () => {
    const setup = await setupDbt();
    if (setup.exitCode !== 0) throw new Error(`scripts/setup.sh failed:\n${setup.output}`);
    dir = await mkdtemp(join(tmpdir(), 'lakestream-dbt-'));
    const csv = join(dir, 'orders.csv');
    warehouse = join(dir, 'warehouse.duckdb');
    await writeCsv({ rows: ROWS, seed: SEED, out: csv });
    await buildSilverWarehouse(warehouse, csv);
    build = await runDbt(['build'], { warehouse, workDir: dir });
    console.log(`dbt build on ${ROWS} order items: ${(build.wallMs / 1000).toFixed(1)} s`);
    items = await readCsvItems(csv);
    if (build.exitCode === 0) {
      await queryWarehouse(warehouse, async (query) => {
        for (const table of GOLD_TABLES) {
          const rows = await query(`select * from gold.${table}`);
          gold[table] = rows.map((row) =>
            Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])),
          );
        }
      });
    }
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes every model, data test and unit test', () => {
    expect(build.exitCode, build.output).toBe(0);
    const notPassed = build.results.filter((r) => !['success', 'pass'].includes(r.status));
    expect(notPassed.map((r) => `${r.unique_id}: ${r.status} ${r.message}`)).toEqual([]);
    expect(build.results.length).toBeGreaterThan(100);
  });

  it('writes dbt.log at info: the results, not every statement', async () => {
    const log = await readFile(join(dir, 'logs', 'dbt.log'), 'utf8');
    expect(log).toMatch(/\[info \].*Done\. PASS=/);
    expect(log).not.toContain('[debug]');
  });

  it("keeps dbt's compiled bytecode in the venv where PYTHONDONTWRITEBYTECODE is set", async () => {
    // The venv scripts/dbt.sh uses.
    const home = resolve(
      DBT_DIR,
      process.env.LAKESTREAM_HOME ?? join(DBT_DIR, '..', '.lakestream'),
    );
    const venv = process.env.LAKESTREAM_DBT_VENV ?? join(home, 'venv');
    const [python] = (await readdir(join(venv, 'lib'))).filter((n) => n.startsWith('python3'));
    const cache = join(venv, 'lib', python!, 'site-packages', 'dbt', 'cli', '__pycache__');
    const compiled = async () =>
      (await readdir(cache).catch(() => [] as string[])).filter((n) => n.startsWith('main.'));
    for (const file of await compiled()) await rm(join(cache, file));
    const version = spawnSync('bash', [join(DBT_DIR, 'scripts', 'dbt.sh'), '--version'], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    expect(version.status, version.stderr).toBe(0);
    expect(await compiled()).toHaveLength(1);
  });

  it('runs at least one unit test for each gold model', () => {
    const unitTested = new Set(
      build.results
        .filter((r) => r.unique_id.startsWith('unit_test.'))
        .map((r) => r.unique_id.split('.')[2]),
    );
    for (const table of GOLD_TABLES) expect(unitTested, table).toContain(table);
  });

  it('builds exactly the contract tables and columns in schema gold', async () => {
    const columns = await queryWarehouse(warehouse, (query) =>
      query(`select table_name, column_name, table_type
             from information_schema.columns join information_schema.tables using (table_catalog, table_schema, table_name)
             where table_schema = 'gold' order by table_name, ordinal_position`),
    );
    const actual = new Map<string, string[]>();
    for (const { table_name, column_name, table_type } of columns) {
      expect(table_type, String(table_name)).toBe('BASE TABLE');
      actual.set(String(table_name), [
        ...(actual.get(String(table_name)) ?? []),
        String(column_name),
      ]);
    }
    expect(Object.fromEntries(actual)).toEqual(GOLD_CONTRACT);
  });

  it('documents every model it builds and every column of it', async () => {
    const docs = await readModelDocs();
    const columns = await queryWarehouse(warehouse, (query) =>
      query(`select table_schema, table_name, column_name from information_schema.columns
             where table_schema in ('staging', 'intermediate', 'gold')`),
    );
    const built = new Map<string, Set<string>>();
    for (const { table_name, column_name } of columns) {
      const name = String(table_name);
      if (!built.has(name)) built.set(name, new Set());
      built.get(name)!.add(String(column_name));
    }
    expect([...built.keys()].sort()).toEqual([...docs.keys()].sort());
    for (const [model, doc] of docs) {
      expect(doc.description, model).not.toBe('');
      expect(Object.keys(doc.columns).sort(), model).toEqual([...built.get(model)!].sort());
      for (const [column, description] of Object.entries(doc.columns)) {
        expect(description, `${model}.${column}`).not.toBe('');
      }
    }
  });

  describe.each(GOLD_TABLES)('%s', (table) => {
    it('equals the computation from the CSV, row by row', () => {
      expect(build.exitCode, build.output).toBe(0);
      const expected = referenceGold(items)[table];
      const actual = new Map(gold[table].map((row) => [grainKey(table, row), row]));
      expect([...actual.keys()].sort()).toEqual(expected.map((row) => grainKey(table, row)).sort());
      const mismatches: string[] = [];
      for (const want of expected) {
        const got = actual.get(grainKey(table, want))!;
        for (const column of GOLD_CONTRACT[table]) {
          if (!closeEnough(got[column], want[column])) {
            mismatches.push(`${grainKey(table, want)} ${column}: ${got[column]} ≠ ${want[column]}`);
          }
        }
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
    });
  });

  it('has the spot values the contract describes', () => {
    // A few values read the way an analyst would, as a second look beside the full comparison.
    const retention = new Map(gold.customer_retention.map((r) => [r.month, r]));
    const months = [...retention.keys()].sort() as string[];
    expect(retention.get(months[0]!)!.retention_rate).toBeNull();
    expect(retention.get(months[0]!)!.new_customers).toBe(
      retention.get(months[0]!)!.active_customers,
    );
    const second = retention.get(months[1]!)!;
    const firstActive = Number(retention.get(months[0]!)!.active_customers);
    expect(second.retention_rate).toBeCloseTo(Number(second.retained_customers) / firstActive, 12);

    const fraudster = gold.fraud_detection.find((r) => Number(r.suspected_fraud_orders) > 0)!;
    const theirItems = items.filter((i) => i.customerId === fraudster.customer_id);
    const fraudOrders = new Set(
      theirItems.filter((i) => i.status === 'SUSPECTED_FRAUD').map((i) => i.orderId),
    );
    expect(fraudster.suspected_fraud_orders).toBe(fraudOrders.size);
    expect(fraudster.is_flagged).toBe(true);

    // The running total of a product's last month is all its valid units ever.
    const productId = items[0]!.productCardId;
    const product = gold.inventory_levels.filter((r) => r.product_card_id === productId);
    const lastMonth = product.reduce((a, b) => (String(a.month) > String(b.month) ? a : b));
    const validUnits = items
      .filter((i) => i.productCardId === productId)
      .filter((i) => i.status !== 'CANCELED' && i.status !== 'SUSPECTED_FRAUD')
      .reduce((acc, i) => acc + i.quantity, 0);
    expect(lastMonth.cumulative_units).toBe(validUnits);
  });
});
