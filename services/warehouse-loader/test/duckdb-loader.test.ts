import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckdbTarget } from '../src/duckdb-target.js';
import { createLoader, formatSummary } from '../src/loader.js';
import { SERVICE_DIR } from './support/loader-process.js';
import { batch1, batch2, COUNTS_AFTER_BOTH, publishBoth } from './support/scenario.js';
import { writeSilverBatch } from './support/silver-writer.js';
import { customer, product } from './support/star-rows.js';
import {
  duckdbCounts,
  duckdbTableHashes,
  queryDuckdb,
  silentLogger,
  TestBed,
} from './support/test-bed.js';

describe('DuckDB target', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it('applies two batches in order with exact counts, and a re-run is a no-op', async () => {
    const store = await bed.localStore();
    await publishBoth(store);
    const { loader, path, metrics } = await bed.duckdbLoader(store);

    const first = await loader.runOnce();
    expect(first.applied.map((b) => b.id)).toEqual(['00000001', '00000002']);
    expect(first.rows).toEqual({
      dim_customer: 7,
      dim_product: 5,
      dim_geography: 4,
      dim_date: 8,
      fct_order_items: 17,
    });
    expect(formatSummary(first)).toMatch(
      /^warehouse-loader: applied 2 batches \(00000001…00000002\) to duckdb .*: dim_customer 7, dim_product 5, dim_geography 4, dim_date 8, fct_order_items 17 rows in \d+\.\d\d s$/,
    );
    expect(await duckdbCounts(path)).toEqual(COUNTS_AFTER_BOTH);
    const loads = await queryDuckdb(
      path,
      "SELECT batch_id, sequence, manifest_key, length(manifest_sha256) AS sha_len, fct_order_items_rows, dim_customer_rows, strftime(batch_created_at, '%Y-%m-%dT%H:%M:%S') AS created FROM silver._lakestream_loads ORDER BY sequence",
    );
    expect(loads).toEqual([
      {
        batch_id: '00000001',
        sequence: '1',
        manifest_key: 'silver/_batches/00000001.json',
        sha_len: '64',
        fct_order_items_rows: '10',
        dim_customer_rows: '4',
        created: '2025-01-01T10:00:00',
      },
      {
        batch_id: '00000002',
        sequence: '2',
        manifest_key: 'silver/_batches/00000002.json',
        sha_len: '64',
        fct_order_items_rows: '7',
        dim_customer_rows: '3',
        created: '2025-01-01T11:00:00',
      },
    ]);
    const before = await duckdbTableHashes(path);
    const loadedAt = await queryDuckdb(path, 'SELECT * FROM silver._lakestream_loads');

    const again = await loader.runOnce();
    expect(again.applied).toEqual([]);
    expect(formatSummary(again)).toMatch(
      /^warehouse-loader: nothing to apply, all 2 published batches are applied \(duckdb .*\) in \d+\.\d\d s$/,
    );
    expect(await duckdbTableHashes(path)).toEqual(before);
    expect(await queryDuckdb(path, 'SELECT * FROM silver._lakestream_loads')).toEqual(loadedAt);

    const exposition = await metrics.shared.registry.metrics();
    expect(exposition).toContain('lakestream_warehouse_batches_applied_total{target="duckdb"');
    expect(exposition).toMatch(
      /lakestream_warehouse_rows_loaded_total\{target="duckdb",table="fct_order_items"[^}]*\} 17/,
    );
  });

  it('lets the later version win – by (timestamp, partition, offset), across partitions – and the later batch’s dimension attributes', async () => {
    const store = await bed.localStore();
    await publishBoth(store);
    const { loader, path } = await bed.duckdbLoader(store);
    await loader.runOnce();

    const items = await queryDuckdb<{
      order_item_id: string;
      order_status: string;
      kafka_partition: string;
      kafka_offset: string;
      silver_batch_id: string;
    }>(
      path,
      'SELECT order_item_id, order_status, kafka_partition, kafka_offset, silver_batch_id FROM silver.fct_order_items WHERE order_item_id <= 4 ORDER BY order_item_id',
    );
    const row = (id: number, status: string, partition: number, offset: number, batch: number) => ({
      order_item_id: String(id),
      order_status: status,
      kafka_partition: String(partition),
      kafka_offset: String(offset),
      silver_batch_id: `0000000${batch}`,
    });
    expect(items).toEqual([
      row(1, 'COMPLETE', 1, 500, 2),
      // Moved to partition 0 at offset 2, below the stored offset 20 of partition 2, but later.
      row(2, 'CLOSED', 0, 2, 2),
      // At offset 600 of partition 2, above the stored offset 30 of partition 0, but earlier.
      row(3, 'PENDING', 0, 30, 1),
      row(4, 'PENDING', 1, 40, 1),
    ]);
    expect(
      await queryDuckdb(
        path,
        'SELECT customer_id, city, street, last_name FROM silver.dim_customer WHERE customer_id IN (1, 2) ORDER BY 1',
      ),
    ).toEqual([
      { customer_id: '1', city: 'Caguas', street: '1 Calle Mayor', last_name: 'Pérez1' },
      { customer_id: '2', city: 'San Juan', street: '1 Calle Luna', last_name: 'Pérez2' },
    ]);
    expect(
      await queryDuckdb(
        path,
        'SELECT product_name FROM silver.dim_product WHERE product_card_id = 3',
      ),
    ).toEqual([{ product_name: 'Producto 3 (nuevo)' }]);
    // Every foreign key of the fact resolves.
    const orphans = await queryDuckdb(
      path,
      `SELECT count(*) AS n FROM silver.fct_order_items f
       LEFT JOIN silver.dim_customer c USING (customer_id)
       LEFT JOIN silver.dim_product p USING (product_card_id)
       LEFT JOIN silver.dim_geography g USING (geography_key)
       LEFT JOIN silver.dim_date o ON o.date_key = f.order_date_key
       LEFT JOIN silver.dim_date s ON s.date_key = f.shipping_date_key
       WHERE c.customer_id IS NULL OR p.product_card_id IS NULL OR g.geography_key IS NULL
          OR o.date_key IS NULL OR s.date_key IS NULL`,
    );
    expect(orphans).toEqual([{ n: '0' }]);
  });

  it('applies batch by batch as they are published, and keeps the later version when batches overlap', async () => {
    const store = await bed.localStore();
    const { loader, path } = await bed.duckdbLoader(store);
    expect((await loader.runOnce()).applied).toEqual([]);
    await writeSilverBatch(store, batch1());
    expect((await loader.runOnce()).applied.map((b) => b.id)).toEqual(['00000001']);
    await writeSilverBatch(store, batch2());
    expect((await loader.runOnce()).applied.map((b) => b.id)).toEqual(['00000002']);
    // Batch 3 replays batch 1's fact rows (earlier versions everywhere): nothing of batch 2 regresses.
    await writeSilverBatch(store, {
      sequence: 3,
      tables: { fct_order_items: batch1().tables.fct_order_items! },
    });
    expect((await loader.runOnce()).applied.map((b) => b.id)).toEqual(['00000003']);
    expect(
      await queryDuckdb(
        path,
        'SELECT order_item_id, order_status FROM silver.fct_order_items WHERE order_item_id IN (1, 2) ORDER BY 1',
      ),
    ).toEqual([
      { order_item_id: '1', order_status: 'COMPLETE' },
      { order_item_id: '2', order_status: 'CLOSED' },
    ]);
    expect(await duckdbCounts(path)).toEqual({ ...COUNTS_AFTER_BOTH, _lakestream_loads: 3 });
  });

  it('gives byte-identical tables when the same batches are applied twice from scratch', async () => {
    const store = await bed.localStore();
    await publishBoth(store);
    const one = await bed.duckdbLoader(store);
    const two = await bed.duckdbLoader(store);
    await one.loader.runOnce();
    await two.loader.runOnce();
    await two.loader.runOnce();
    const hashes = await duckdbTableHashes(one.path);
    expect(await duckdbTableHashes(two.path)).toEqual(hashes);
    expect(Object.keys(hashes)).toHaveLength(5);
  });

  it('stops at a gap in the sequence with a clear error, after the batches before it', async () => {
    const store = await bed.localStore();
    await writeSilverBatch(store, batch1());
    await writeSilverBatch(store, { ...batch2(), sequence: 3 });
    const { loader, path } = await bed.duckdbLoader(store);
    await expect(loader.runOnce()).rejects.toMatchObject({
      code: 'LS_LOADER_BATCH_GAP',
      message:
        'batch 00000003 is published but batch 00000002 is not: stopping before 00000003 rather than applying batches out of order',
    });
    expect(await queryDuckdb(path, 'SELECT batch_id FROM silver._lakestream_loads')).toEqual([
      { batch_id: '00000001' },
    ]);
    // Once the missing batch is published, both apply in order.
    await writeSilverBatch(store, batch2());
    expect((await loader.runOnce()).applied.map((b) => b.id)).toEqual(['00000002', '00000003']);
  });

  it('refuses a batch whose files break the contract, leaving the warehouse as it was', async () => {
    const store = await bed.localStore();
    await writeSilverBatch(store, batch1());
    const dup = customer(9);
    await writeSilverBatch(store, {
      sequence: 2,
      tables: { dim_customer: [dup, { ...dup, city: 'Ponce' }], dim_product: [product(8)] },
    });
    const { loader, path } = await bed.duckdbLoader(store);
    await expect(loader.runOnce()).rejects.toMatchObject({
      code: 'LS_LOADER_BATCH_INVALID',
      message: expect.stringContaining(
        'dim_customer files hold 2 rows with 1 distinct customer_id',
      ),
    });
    expect(await duckdbCounts(path)).toMatchObject({
      dim_customer: 4,
      dim_product: 3,
      _lakestream_loads: 1,
    });
  });

  it('notices a lake rebuilt under an existing warehouse', async () => {
    const store = await bed.localStore();
    await writeSilverBatch(store, batch1());
    const { loader, path } = await bed.duckdbLoader(store);
    await loader.runOnce();
    const rebuilt = await bed.localStore();
    await writeSilverBatch(rebuilt, { ...batch1(), createdAt: '2025-02-01T00:00:00.000Z' });
    const other = await bed.duckdbLoader(rebuilt, path);
    await expect(other.loader.runOnce()).rejects.toMatchObject({ code: 'LS_LOADER_LAKE_MISMATCH' });
    const empty = await bed.duckdbLoader(await bed.localStore(), path);
    await expect(empty.loader.runOnce()).rejects.toMatchObject({
      code: 'LS_LOADER_LAKE_MISMATCH',
      message: expect.stringContaining('the lake publishes no such batch'),
    });
  });

  it('loads from a GCS store (fake-gcs-server), downloading the files first', async () => {
    const { store } = await bed.gcsStore();
    await publishBoth(store);
    const { loader, path } = await bed.duckdbLoader(store);
    const summary = await loader.runOnce();
    expect(summary.applied.map((b) => b.id)).toEqual(['00000001', '00000002']);
    expect(await duckdbCounts(path)).toEqual(COUNTS_AFTER_BOTH);
    const local = await bed.localStore();
    await publishBoth(local);
    const reference = await bed.duckdbLoader(local);
    await reference.loader.runOnce();
    expect(await duckdbTableHashes(path)).toEqual(await duckdbTableHashes(reference.path));
  });

  it('lets go of the file after a run, waits while another process holds it, and says so if it keeps it', async () => {
    const store = await bed.localStore();
    await writeSilverBatch(store, batch1());
    const { loader, path } = await bed.duckdbLoader(store);
    await loader.runOnce();
    await writeSilverBatch(store, batch2());
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/hold-warehouse.ts', path],
      { cwd: SERVICE_DIR, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      // The other process could open the file: the loader let go of it after its run.
      const [first] = await Promise.race([once(holder.stdout!, 'data'), once(holder, 'exit')]);
      expect(String(first)).toBe('holding\n');
      const impatient = createLoader({
        store,
        target: createDuckdbTarget({ path, store }),
        logger: silentLogger,
        retry: { retries: 0 },
      });
      await expect(impatient.runOnce()).rejects.toMatchObject({
        code: 'LS_LOADER_WAREHOUSE_UNAVAILABLE',
        retryable: true,
        message: expect.stringContaining('the DuckDB file is in use by another process'),
      });
      // A patient loader retries until the other process lets go.
      const patient = createLoader({
        store,
        target: createDuckdbTarget({ path, store }),
        logger: silentLogger,
        retry: { retries: 20, baseMs: 100, maxMs: 300 },
      });
      const run = patient.runOnce();
      setTimeout(() => holder.stdin!.end(), 500);
      expect((await run).applied.map((b) => b.id)).toEqual(['00000002']);
    } finally {
      holder.stdin!.end();
      if (holder.exitCode === null) await once(holder, 'exit');
    }
  });
});
