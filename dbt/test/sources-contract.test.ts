/**
 * The dbt sources follow the silver contract: _silver__sources.yml lists exactly the tables and
 * columns of packages/silver, so a contract change that dbt has not caught up with fails here.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { columnNames, SILVER_TABLE_NAMES } from '@lakestream/silver';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DBT_DIR } from '../harness/run-dbt.js';

interface SourcesYaml {
  sources: { name: string; tables: { name: string; columns: { name: string }[] }[] }[];
}

describe('silver sources', () => {
  it('list exactly the tables and columns of the silver contract', async () => {
    const text = await readFile(join(DBT_DIR, 'models/staging/_silver__sources.yml'), 'utf8');
    const [silver] = (parse(text) as SourcesYaml).sources;
    expect(silver!.name).toBe('silver');
    const tables = Object.fromEntries(
      silver!.tables.map((t) => [t.name, t.columns.map((c) => c.name)]),
    );
    expect(tables).toEqual(
      Object.fromEntries(SILVER_TABLE_NAMES.map((name) => [name, columnNames(name)])),
    );
  });

  it('are read by one staging view each, and only there', async () => {
    const files = (await readdir(join(DBT_DIR, 'models'), { recursive: true })).filter((f) =>
      f.endsWith('.sql'),
    );
    const readers = new Map<string, string[]>();
    for (const file of files) {
      const sql = await readFile(join(DBT_DIR, 'models', file), 'utf8');
      for (const match of sql.matchAll(/source\(\s*'silver'\s*,\s*'(\w+)'\s*\)/g)) {
        readers.set(match[1]!, [...(readers.get(match[1]!) ?? []), file]);
      }
    }
    for (const table of SILVER_TABLE_NAMES) {
      expect(readers.get(table), table).toHaveLength(1);
      expect(readers.get(table)![0], table).toMatch(/^staging\/stg_silver__\w+s\.sql$/);
    }
  });
});
