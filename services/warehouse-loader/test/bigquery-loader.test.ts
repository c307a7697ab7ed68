import { randomUUID } from 'node:crypto';
import { BigQuery, type JobOptions } from '@google-cloud/bigquery';
import { bigquerySchema, SILVER_TABLE_NAMES } from '@lakestream/silver';
import { afterAll, describe, expect, it } from 'vitest';
import { createBigqueryTarget } from '../src/bigquery-target.js';
import { createLoader } from '../src/loader.js';
import { LOADS_TABLE, loadsBigquerySchema } from '../src/loads-table.js';
import { batch1, batch2 } from './support/scenario.js';
import { writeSilverBatch } from './support/silver-writer.js';
import { silentLogger, TestBed } from './support/test-bed.js';

const emulatorHost = process.env.BIGQUERY_EMULATOR_HOST!;
const projectId = process.env.BIGQUERY_PROJECT!;

/**
 * One scenario, because every call to the emulator is slow (a table drop takes seconds), with
 * fewer tables per batch than the DuckDB tests: batch 1 has the customer and date dimensions
 * and the fact (every logical type of the contract), batch 2 the customer dimension and the
 * fact (status changes, versions on other partitions, new items).
 */
describe('BigQuery target (goccy/bigquery-emulator reading fake-gcs-server)', () => {
  const bed = new TestBed();
  const bigquery = new BigQuery({ apiEndpoint: emulatorHost, projectId });
  const dataset = `wl_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  afterAll(async () => {
    await bigquery
      .dataset(dataset)
      .delete({ force: true })
      .catch(() => {});
    await bed.cleanup();
  });

  const query = async <T = Record<string, unknown>>(sql: string): Promise<T[]> =>
    (await bigquery.query(sql.replace(/\bds\.(\w+)/g, `\`${projectId}.${dataset}.$1\``)))[0] as T[];
  const counts = async () => {
    const tables = [...SILVER_TABLE_NAMES, LOADS_TABLE];
    const rows = await query<{ t: string; n: number }>(
      tables.map((t) => `SELECT '${t}' AS t, COUNT(*) AS n FROM ds.${t}`).join(' UNION ALL '),
    );
    return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
  };
  const expected = {
    dim_customer: 5,
    dim_product: 0,
    dim_geography: 0,
    dim_date: 4,
    fct_order_items: 14,
    _lakestream_loads: 2,
  };

  it('creates the tables, loads two batches, resumes an interrupted run from its jobs; a re-run is a no-op', async () => {
    const { store } = await bed.gcsStore();
    const first = batch1();
    await writeSilverBatch(store, {
      ...first,
      tables: {
        dim_customer: first.tables.dim_customer!,
        dim_date: first.tables.dim_date!,
        fct_order_items: first.tables.fct_order_items!,
      },
    });
    const second = batch2();
    await writeSilverBatch(store, {
      ...second,
      tables: {
        dim_customer: second.tables.dim_customer!,
        fct_order_items: second.tables.fct_order_items!,
      },
    });
    const loader = () =>
      createLoader({
        store,
        target: createBigqueryTarget({ store, projectId, dataset, emulatorHost }),
        logger: silentLogger,
        retry: { retries: 2, baseMs: 100, maxMs: 1_000 },
      });

    // A client that "crashes" the first run right before batch 2 is recorded: batch 1 is
    // applied and recorded, batch 2's loads and MERGEs are done.
    const client = new BigQuery({ apiEndpoint: emulatorHost, projectId });
    const createJob = client.createJob.bind(client);
    client.createJob = ((options: JobOptions) =>
      String(options.jobId).includes('_00000002__lakestream_loads_record_')
        ? Promise.reject(new Error('simulated crash'))
        : createJob(options)) as typeof client.createJob;
    const crashing = createLoader({
      store,
      target: createBigqueryTarget({ store, projectId, dataset, emulatorHost, client }),
      logger: silentLogger,
      retry: { retries: 0 },
    });
    await expect(crashing.runOnce()).rejects.toThrow('simulated crash');
    expect(await counts()).toEqual({ ...expected, _lakestream_loads: 1 });

    // The tables, with the contract's schema; the fact partitioned by month and clustered.
    const ds = bigquery.dataset(dataset);
    const [tables] = await ds.getTables();
    // No staging table is left behind.
    expect(tables.map((t) => t.id).sort()).toEqual([...SILVER_TABLE_NAMES, LOADS_TABLE].sort());
    for (const table of SILVER_TABLE_NAMES) {
      const [metadata] = await ds.table(table).getMetadata();
      expect(
        metadata.schema.fields.map((f: { name: string; type: string; mode: string }) => [
          f.name,
          f.type,
          f.mode,
        ]),
      ).toEqual(bigquerySchema(table).map((f) => [f.name, f.type, f.mode]));
      if (table === 'fct_order_items') {
        expect(metadata.timePartitioning).toMatchObject({ type: 'MONTH', field: 'order_month' });
        expect(metadata.clustering).toEqual({ fields: ['customer_id', 'product_card_id'] });
      }
    }
    const [loadsTable] = await ds.table(LOADS_TABLE).getMetadata();
    expect(loadsTable.schema.fields.map((f: { name: string }) => f.name)).toEqual(
      loadsBigquerySchema().map((f) => f.name),
    );

    const resumed = await loader().runOnce();
    expect(resumed.applied.map((b) => b.id)).toEqual(['00000002']);
    expect(await counts()).toEqual(expected);
    // The later version of an item wins – the greater (timestamp, partition, offset), also when
    // the item moved partitions: item 2's later version has a lower offset, item 3's earlier one
    // a higher offset.
    expect(
      await query(
        'SELECT order_item_id, order_status, kafka_partition, kafka_offset FROM ds.fct_order_items WHERE order_item_id <= 3 ORDER BY order_item_id',
      ),
    ).toEqual([
      { order_item_id: 1, order_status: 'COMPLETE', kafka_partition: 1, kafka_offset: 500 },
      { order_item_id: 2, order_status: 'CLOSED', kafka_partition: 0, kafka_offset: 2 },
      { order_item_id: 3, order_status: 'PENDING', kafka_partition: 0, kafka_offset: 30 },
    ]);
    expect(await query('SELECT city FROM ds.dim_customer WHERE customer_id = 2')).toEqual([
      { city: 'San Juan' },
    ]);
    // Dates, timestamps and booleans came through the Parquet load and the casts as instants/days.
    const [day] = await query<{
      date: { value: string };
      is_weekend: boolean;
      order_ts: { value: string };
    }>(
      'SELECT d.date, d.is_weekend, f.order_ts FROM ds.fct_order_items f JOIN ds.dim_date d ON d.date_key = f.order_date_key WHERE f.order_item_id = 1',
    );
    expect([day?.date.value, day?.is_weekend, day?.order_ts.value]).toEqual([
      '2018-01-15',
      false,
      '2018-01-15T10:15:00.000Z',
    ]);
    const [jobs] = await bigquery.getJobs({ allUsers: true });
    const ours = jobs.map((j) => j.id!).filter((id) => id.startsWith(`lakestream_${dataset}_`));
    // One load and one MERGE per table and batch, one record per batch: the resumed run found
    // batch 2's jobs done and started none of them again (no `_2` attempt ids either).
    expect(ours.filter((id) => id.includes('_load_'))).toHaveLength(5);
    expect(ours.filter((id) => id.includes('_merge_'))).toHaveLength(5);
    expect(ours.filter((id) => id.includes('_record_'))).toHaveLength(2);
    expect(ours.filter((id) => !/_[0-9a-f]{16}$/.test(id))).toEqual([]);

    const loads = await query(
      'SELECT batch_id, sequence, fct_order_items_rows, dim_date_rows, loaded_at FROM ds._lakestream_loads ORDER BY sequence',
    );
    expect(
      loads.map((l) => [l.batch_id, l.sequence, l.fct_order_items_rows, l.dim_date_rows]),
    ).toEqual([
      ['00000001', 1, 10, 4],
      ['00000002', 2, 7, 0],
    ]);
    const again = await loader().runOnce();
    expect(again.applied).toEqual([]);
    expect(await counts()).toEqual(expected);
    expect(
      await query(
        'SELECT batch_id, sequence, fct_order_items_rows, dim_date_rows, loaded_at FROM ds._lakestream_loads ORDER BY sequence',
      ),
    ).toEqual(loads);
  }, 150_000);
});
