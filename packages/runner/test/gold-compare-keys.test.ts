// Keys and money columns read from a hand-made dbt manifest: no services.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goldTablesFromManifest } from '../src/gold-compare-keys.js';

const dir = await mkdtemp(join(tmpdir(), 'gold-compare-keys-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A manifest with one gold model (its SQL) and a unique test on `month`. */
async function manifest(sql: string): Promise<string> {
  const path = join(dir, `manifest-${Math.random().toString(36).slice(2)}.json`);
  const nodes = {
    'model.p.monthly': { resource_type: 'model', name: 'monthly', raw_code: sql },
    'test.p.unique_monthly_month': {
      resource_type: 'test',
      attached_node: 'model.p.monthly',
      column_name: 'month',
      test_metadata: { name: 'unique', kwargs: { column_name: 'month' } },
    },
  };
  await writeFile(path, JSON.stringify({ nodes }));
  return path;
}

describe('goldTablesFromManifest', () => {
  it('takes the key from the unique test and the money columns from exact_sum, not a ratio of them', async () => {
    const path = await manifest(`select month,
      {{ exact_sum('case when ok then total else 0 end') }} as net_sales,
      {{- exact_sum('profit') -}} AS profit,
      {{ safe_divide(exact_sum('profit'), exact_sum('total')) }} as margin
      from t group by month`);
    const specs = await goldTablesFromManifest(path, ['monthly']);
    expect(specs.get('monthly')).toEqual({
      key: ['month'],
      exact: new Set(['net_sales', 'profit']),
    });
  });

  it('refuses a money column it cannot name, instead of comparing it with a tolerance', async () => {
    const path = await manifest(
      `select month, {{ exact_sum('coalesce(total, 0)') }} as net_sales from t group by month`,
    );
    await expect(goldTablesFromManifest(path, ['monthly'])).rejects.toMatchObject({
      code: 'LS_GOLD_COMPARE_MANIFEST_INVALID',
      message: expect.stringMatching(/monthly: 1 .*exact_sum.* columns but 0 money columns/),
    });
  });
});
