// The comparison rules on hand-made rows, and the costs summary: no services.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbtRunCosts } from '../src/cloud-costs.js';
import { formatGoldComparison } from '../src/gold-compare.js';
import { GOLD_COMPARE_ERROR_CODES } from '../src/gold-compare-errors.js';
import {
  canonicalDecimal,
  compareTable,
  type TableRead,
  timestampFromMicros,
} from '../src/gold-compare-rows.js';

const columns = [
  { name: 'month', kind: 'date' },
  { name: 'market', kind: 'string' },
  { name: 'order_count', kind: 'int' },
  { name: 'net_sales', kind: 'float' },
  { name: 'amount', kind: 'decimal' },
] as const;
const rows = [
  {
    month: '2017-01-01',
    market: 'Europe',
    order_count: '12',
    net_sales: '1234.56',
    amount: '10.5',
  },
  { month: '2017-01-01', market: 'LATAM', order_count: '3', net_sales: '99.99', amount: '0.01' },
  { month: '2017-02-01', market: 'Europe', order_count: '7', net_sales: '0.3', amount: '-2' },
];
const table = (
  r: Record<string, string | null>[],
  c: TableRead['columns'] = columns,
): TableRead => ({
  columns: c,
  rows: r,
});
const key = ['month', 'market'];

describe('gold compare: one table', () => {
  it('finds equal tables equal, whatever the row order', () => {
    const result = compareTable('t', key, table(rows), table([...rows].reverse()));
    expect(result).toMatchObject({
      equal: true,
      differenceCount: 0,
      duckdbRows: 3,
      bigqueryRows: 3,
    });
  });

  it('fails on a deliberately changed row and names the key, the column and both values', () => {
    const changed = rows.map((r) => (r.market === 'LATAM' ? { ...r, net_sales: '100.99' } : r));
    const result = compareTable('t', key, table(rows), table(changed));
    expect(result.equal).toBe(false);
    expect(result.firstDifferences).toEqual([
      {
        kind: 'values',
        key: '["2017-01-01","LATAM"]',
        columns: [{ column: 'net_sales', duckdb: '99.99', bigquery: '100.99' }],
      },
    ]);
    const report = formatGoldComparison({ tables: [result], equal: 0, total: 1 });
    expect(report).toContain('net_sales duckdb=99.99 bigquery=100.99');
    expect(report).toMatch(/gold equal to the DuckDB path: 0\/1 tables$/);
  });

  it('compares money as exact decimal text: trailing zeros do not matter, a cent does', () => {
    const zeros = rows.map((r) => ({
      ...r,
      amount: `${r.amount}${r.amount.includes('.') ? '000' : '.00'}`,
    }));
    expect(
      compareTable(
        't',
        key,
        table(rows),
        table(zeros.map((r) => ({ ...r, amount: canonicalDecimal(r.amount) }))),
      ).equal,
    ).toBe(true);
    const cent = rows.map((r, i) => (i === 0 ? { ...r, amount: '10.51' } : r));
    expect(compareTable('t', key, table(rows), table(cent)).equal).toBe(false);
    expect(canonicalDecimal('0010.500')).toBe('10.5');
    expect(canonicalDecimal('-0.000')).toBe('0');
    expect(canonicalDecimal('+3')).toBe('3');
  });

  it('allows FLOAT64 columns only the explicit tolerance, and never an integer column', () => {
    const ulp = rows.map((r, i) => (i === 2 ? { ...r, net_sales: '0.30000000000000004' } : r));
    const close = compareTable('t', key, table(rows), table(ulp));
    expect(close.equal).toBe(true);
    expect(close.maxFloatDeviation).toBeGreaterThan(0);
    const far = rows.map((r, i) => (i === 0 ? { ...r, net_sales: '1234.5600001' } : r));
    expect(compareTable('t', key, table(rows), table(far)).equal).toBe(false);
    const count = rows.map((r, i) => (i === 0 ? { ...r, order_count: '12.0' } : r));
    expect(compareTable('t', key, table(rows), table(count)).equal).toBe(false);
  });

  it('gives a money column (exact) no tolerance: the last bit counts, the spelling does not', () => {
    const exact = new Set(['net_sales']);
    const ulp = rows.map((r, i) => (i === 2 ? { ...r, net_sales: '0.30000000000000004' } : r));
    const result = compareTable('t', key, table(rows), table(ulp), { exact });
    expect(result.equal).toBe(false);
    expect(result.exactColumns).toEqual(['net_sales']);
    const spelled = rows.map((r, i) => (i === 2 ? { ...r, net_sales: '3e-1' } : r));
    expect(compareTable('t', key, table(rows), table(spelled), { exact }).equal).toBe(true);
  });

  it('reports rows present on one side only, and a duplicated key', () => {
    const result = compareTable('t', key, table(rows), table([rows[0]!, rows[0]!, rows[1]!]));
    expect(result.equal).toBe(false);
    expect(result.firstDifferences.map((d) => d.kind).sort()).toEqual([
      'duplicate-key',
      'only-in-duckdb',
    ]);
  });

  it('reports a column whose type differs instead of comparing its values', () => {
    const asDecimal = columns.map((c) =>
      c.name === 'net_sales' ? { ...c, kind: 'decimal' as const } : c,
    );
    const result = compareTable('t', key, table(rows), table(rows, asDecimal));
    expect(result.equal).toBe(false);
    expect(result.schemaProblems[0]).toContain('columns differ');
  });

  it('writes timestamps as UTC with microseconds', () => {
    expect(timestampFromMicros(1483228740123456n)).toBe('2016-12-31T23:59:00.123456Z');
    expect(timestampFromMicros(-1n)).toBe('1969-12-31T23:59:59.999999Z');
  });
});

describe('gold compare: dbt run costs', () => {
  const runResults = {
    results: [
      { adapter_response: { bytes_processed: 2048, bytes_billed: 10485760, slot_ms: 120 } },
      { adapter_response: { bytes_processed: 1024, bytes_billed: 10485760, slot_ms: 30 } },
      { adapter_response: { _message: 'OK' } },
    ],
  };

  it('sums bytes processed, billed and slot-ms over the nodes that report them', () => {
    const costs = dbtRunCosts(runResults, { emulator: false });
    expect(costs).toMatchObject({
      available: true,
      bytesProcessed: 3072,
      bytesBilled: 20971520,
      slotMs: 150,
      jobs: 2,
    });
    expect(costs.summary).toBe(
      'dbt bytes processed: 3.00 KiB, billed 20.00 MiB, 150 slot-ms over 2 jobs',
    );
  });

  it('says n/a on the emulator, and when no node carries figures', () => {
    expect(dbtRunCosts(runResults, { emulator: true }).summary).toBe(
      'dbt bytes processed: n/a on the emulator',
    );
    expect(dbtRunCosts({ results: [{ adapter_response: {} }] }, { emulator: false })).toMatchObject(
      {
        available: false,
        summary: 'dbt bytes processed: n/a (run_results.json holds no job statistics)',
      },
    );
    expect(dbtRunCosts(null, { emulator: false }).available).toBe(false);
  });
});

describe('gold compare: error codes', () => {
  it('documents every code in dbt/README.md', async () => {
    const readme = await readFile(resolve(import.meta.dirname, '../../../dbt/README.md'), 'utf8');
    for (const code of GOLD_COMPARE_ERROR_CODES) expect(readme, code).toContain(`\`${code}\``);
  });
});
