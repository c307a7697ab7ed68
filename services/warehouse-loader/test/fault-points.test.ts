import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { createLocalStore } from '@lakestream/object-store';
import { SILVER_TABLE_NAMES } from '@lakestream/silver';
import { afterEach, describe, expect, it } from 'vitest';
import { LOADS_TABLE } from '../src/loads-table.js';
import { runLoader, startLoader } from './support/loader-process.js';
import { batch1, COUNTS_AFTER_BOTH, publishBoth } from './support/scenario.js';
import { writeSilverBatch } from './support/silver-writer.js';
import { duckdbCounts, duckdbTableHashes, TestBed } from './support/test-bed.js';

const FAULT = 'warehouse-loader.after-merge';

/** Runs the loader until the fault point kills it; resolves with its stderr. */
async function crashAt(args: string[], env: Record<string, string>): Promise<string> {
  const loader = startLoader(args, {
    ...env,
    LAKESTREAM_FAULT_POINTS: env.LAKESTREAM_FAULT_POINTS ?? FAULT,
  });
  expect(await loader.exited).toBeNull();
  expect(loader.child.signalCode).toBe('SIGKILL');
  expect(loader.stderr()).toContain(`fault point ${FAULT}`);
  return loader.stderr();
}

describe('a loader killed between applying a batch and recording it', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it('DuckDB: killed right before COMMIT, the batch is not there; the restart applies it exactly once', async () => {
    const dir = await bed.folder();
    const store = createLocalStore(join(dir, 'lake'));
    await publishBoth(store);
    const env = { LAKESTREAM_HOME: dir, WAREHOUSE_TARGET: 'duckdb' };
    const warehouse = join(dir, 'warehouse.duckdb');

    // Batch 1 commits; the process dies inside batch 2's transaction, its rows and record written.
    await crashAt(['run'], { ...env, LAKESTREAM_FAULT_POINTS: `${FAULT}@2` });
    expect(await duckdbCounts(warehouse)).toEqual({
      dim_customer: 4,
      dim_product: 3,
      dim_geography: 2,
      dim_date: 4,
      fct_order_items: 10,
      _lakestream_loads: 1,
    });

    const restart = await runLoader(['run'], env);
    expect(restart.code).toBe(0);
    expect(restart.stdout).toMatch(/^warehouse-loader: applied 1 batch \(00000002\)/);
    expect(await duckdbCounts(warehouse)).toEqual(COUNTS_AFTER_BOTH);
    // Exactly what an uninterrupted load of the same batches holds.
    const clean = join(await bed.folder(), 'warehouse.duckdb');
    expect((await runLoader(['run'], { ...env, WAREHOUSE_DUCKDB_PATH: clean })).code).toBe(0);
    expect(await duckdbTableHashes(warehouse)).toEqual(await duckdbTableHashes(clean));
  });

  it('BigQuery: killed after the MERGE, the restart writes the record without merging again', async () => {
    const emulatorHost = process.env.BIGQUERY_EMULATOR_HOST!;
    const projectId = process.env.BIGQUERY_PROJECT!;
    const bigquery = new BigQuery({ apiEndpoint: emulatorHost, projectId });
    const dataset = `wl_fault_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    try {
      const { store, bucket } = await bed.gcsStore();
      // Few tables per batch: every emulator call is slow.
      const first = batch1();
      await writeSilverBatch(store, {
        ...first,
        tables: {
          dim_customer: first.tables.dim_customer!,
          fct_order_items: first.tables.fct_order_items!,
        },
      });
      const env = {
        LAKESTREAM_HOME: await bed.folder(),
        WAREHOUSE_TARGET: 'bigquery',
        WAREHOUSE_LOADER_STORAGE_URL: `gs://${bucket}/lake`,
        BIGQUERY_DATASET: dataset,
      };
      const query = async (sql: string) =>
        (
          await bigquery.query(sql.replace(/\bds\.(\w+)/g, `\`${projectId}.${dataset}.$1\``))
        )[0] as Record<string, unknown>[];
      const counts = async () =>
        Object.fromEntries(
          (
            await query(
              [...SILVER_TABLE_NAMES, LOADS_TABLE]
                .map((t) => `SELECT '${t}' AS t, COUNT(*) AS n FROM ds.${t}`)
                .join(' UNION ALL '),
            )
          ).map((r) => [r.t, Number(r.n)]),
        );
      const applied = {
        dim_customer: 4,
        dim_product: 0,
        dim_geography: 0,
        dim_date: 0,
        fct_order_items: 10,
      };

      await crashAt(['run'], env);
      // Merged, not recorded: the batch still counts as pending.
      expect(await counts()).toEqual({ ...applied, [LOADS_TABLE]: 0 });

      const restart = await runLoader(['run'], env);
      expect(restart.code).toBe(0);
      expect(restart.stdout).toMatch(/^warehouse-loader: applied 1 batch \(00000001\)/);
      expect(await counts()).toEqual({ ...applied, [LOADS_TABLE]: 1 });
      // The restart found each MERGE done and ran none again: one job per table and step.
      const [jobs] = await bigquery.getJobs({ allUsers: true });
      const ours = jobs.map((j) => j.id!).filter((id) => id.startsWith(`lakestream_${dataset}_`));
      expect(ours.filter((id) => id.includes('_merge_'))).toHaveLength(2);
      expect(ours.filter((id) => id.includes('_record_'))).toHaveLength(1);
      expect(ours.filter((id) => !/_[0-9a-f]{16}$/.test(id))).toEqual([]);
    } finally {
      await bigquery
        .dataset(dataset)
        .delete({ force: true })
        .catch(() => {});
    }
  }, 150_000);
});
