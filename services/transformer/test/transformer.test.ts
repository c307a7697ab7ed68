import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAll } from '@lakestream/object-store';
import type { OrderItemEvent } from '@lakestream/schema';
import {
  BatchAnnouncementSchema,
  DUCKDB_TYPES,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
} from '@lakestream/silver';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishedOutcome } from '../src/index.js';
import {
  eventRecords,
  generateEvents,
  type NextOffsets,
  writeBronze,
} from './support/bronze-fixtures.js';
import { expectedCounts, ParquetReader, publishedManifests } from './support/silver-reader.js';
import { TestBed } from './support/test-bed.js';

let bed: TestBed;
afterEach(async () => {
  await bed?.cleanup();
});

const START = Date.UTC(2025, 0, 1, 10, 0);

describe('transformer into a local folder', () => {
  it('builds the star schema with exact counts, readable by read_parquet alone, every key resolving', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const events = generateEvents(3_000, 7);
    const manifests = await writeBronze(
      lake.store,
      bed.sourceTopic,
      eventRecords(events, { partitions: 3, startMs: START }),
      { objectRecords: 400 },
    );
    await bed.produceManifests(manifests);
    const transformer = await bed.transformer(lake);

    const outcome = await transformer.runBatch();
    expect(outcome.kind).toBe('published');
    const { manifest } = outcome as PublishedOutcome;
    expect(manifest.batch_id).toBe('00000001');
    expect(manifest.quality).toMatchObject({
      status: 'passed',
      records_in: 3_000,
      rows_out: 3_000,
      rejected: 0,
      superseded: 0,
    });
    expect(manifest.quality.checks.every((c) => c.status === 'passed')).toBe(true);
    expect(manifest.inputs.map((i) => i.key).sort()).toEqual(manifests.map((m) => m.key).sort());
    const expected = expectedCounts(events);
    for (const table of SILVER_TABLE_NAMES)
      expect(manifest.tables[table]?.rows, table).toBe(expected[table]);

    // The fact: one folder per order month, each file's rows of that month only.
    const factFiles = manifest.tables.fct_order_items!.files;
    const months = new Set(events.map((e) => `${e.order_date.slice(0, 7)}-01`));
    expect(factFiles.map((f) => f.order_month).sort()).toEqual([...months].sort());
    for (const file of factFiles)
      expect(file.key).toMatch(
        new RegExp(
          `^silver/fct_order_items/order_month=${file.order_month}/batch=00000001/part-[0-9a-f]{16}\\.parquet$`,
        ),
      );

    const reader = await ParquetReader.open(await bed.tempDir());
    try {
      const sources: Record<string, string> = {};
      for (const table of SILVER_TABLE_NAMES) {
        const paths = await reader.fetch(lake.store, manifest, table);
        sources[table] = ParquetReader.source(paths);
        // Documented column names and types, in order.
        const columns = await reader.query(`DESCRIBE SELECT * FROM ${sources[table]}`);
        expect(columns.map((c) => [c.column_name, c.column_type])).toEqual(
          SILVER_TABLES[table].columns.map((c) => [c.name, DUCKDB_TYPES[c.type]]),
        );
        const [count] = await reader.query(`SELECT count(*) AS n FROM ${sources[table]}`);
        expect(Number(count!.n), table).toBe(expected[table]);
      }
      for (const fk of SILVER_TABLES.fct_order_items.foreignKeys) {
        const [dangling] = await reader.query(
          `SELECT count(*) AS n FROM ${sources.fct_order_items} f ANTI JOIN ${sources[fk.references.table]} d ON f.${fk.column} = d.${fk.references.column}`,
        );
        expect(Number(dangling!.n), fk.column).toBe(0);
      }
      for (const file of factFiles) {
        const [wrong] = await reader.query(
          `SELECT count(*) AS n FROM ${ParquetReader.source([join(lake.localRoot!, file.key)])} WHERE order_month <> DATE '${file.order_month}'`,
        );
        expect(Number(wrong!.n)).toBe(0);
      }

      // Cleaning: trimmed text, accents intact, empty zipcodes NULL; facts as the event says.
      const withSpace = events.find((e) => e.product_name !== e.product_name.trim())!;
      const [product] = await reader.query(
        `SELECT product_name, category_name FROM ${sources.dim_product} WHERE product_card_id = ${withSpace.product_card_id}`,
      );
      expect(product!.product_name).toBe(withSpace.product_name.trim());
      const accented = events.find((e) => /[À-ÿ]/.test(e.order_city))!;
      const [fact] = await reader.query(
        `SELECT f.*, g.order_city, g.order_zipcode FROM ${sources.fct_order_items} f JOIN ${sources.dim_geography} g USING (geography_key) WHERE order_item_id = ${accented.order_item_id}`,
      );
      expect(fact).toMatchObject({
        order_city: accented.order_city.trim(),
        order_id: String(accented.order_id),
        customer_id: String(accented.customer_id),
        quantity: String(accented.order_item_quantity),
        sales: accented.sales,
        item_total: accented.order_item_total,
        order_status: accented.order_status,
        payment_type: accented.type,
        order_month: `${accented.order_date.slice(0, 7)}-01`,
        order_date_key: accented.order_date.slice(0, 10).replaceAll('-', ''),
        silver_batch_id: '00000001',
        kafka_topic: bed.sourceTopic,
      });
      const emptyZip = events.find((e) => e.order_zipcode === null)!;
      const [geo] = await reader.query(
        `SELECT g.order_zipcode FROM ${sources.fct_order_items} f JOIN ${sources.dim_geography} g USING (geography_key) WHERE order_item_id = ${emptyZip.order_item_id}`,
      );
      expect(geo!.order_zipcode).toBeNull();
    } finally {
      reader.close();
    }

    // Announced once, keyed by the batch id; staging removed.
    const [announcement] = await bed.readAnnouncements(1);
    expect(announcement!.key).toBe('00000001');
    expect(BatchAnnouncementSchema.parse(announcement!.value)).toMatchObject({
      batch_id: '00000001',
      manifest_key: 'silver/_batches/00000001.json',
      quality_status: 'passed',
      rows: { fct_order_items: 3_000 },
    });
    expect(await listAll(lake.store, 'silver/_staging/')).toEqual([]);

    // A re-run finds nothing new and publishes nothing.
    const again = await transformer.runBatch();
    expect(again).toMatchObject({ kind: 'empty', objectsFound: manifests.length });
    expect(await publishedManifests(lake.store)).toHaveLength(1);
  });

  it('gives byte-identical Parquet files in two independent runs from scratch', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const first = await bed.localStore();
    const second = await bed.localStore();
    const records = eventRecords(generateEvents(1_500, 11), { partitions: 3, startMs: START });
    const manifests = await writeBronze(first.store, bed.sourceTopic, records, {
      objectRecords: 300,
    });
    await writeBronze(second.store, bed.sourceTopic, records, { objectRecords: 300 });
    await bed.produceManifests(manifests);

    const a = (await (await bed.transformer(first)).runBatch()) as PublishedOutcome;
    const b = (await (
      await bed.transformer(second, { duckdb: { threads: 1 } })
    ).runBatch()) as PublishedOutcome;
    const keysOf = (o: PublishedOutcome) =>
      SILVER_TABLE_NAMES.flatMap((t) => o.manifest.tables[t]!.files.map((f) => f.key)).sort();
    expect(keysOf(a)).toEqual(keysOf(b));
    for (const key of keysOf(a)) {
      const [x, y] = await Promise.all([
        readFile(join(first.localRoot!, key)),
        readFile(join(second.localRoot!, key)),
      ]);
      expect(x.equals(y), key).toBe(true);
    }
  });

  it('makes an incremental batch of exactly the new items and the changed ones, the later version winning', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const events = generateEvents(2_600, 5);
    const next: NextOffsets = new Map();
    const firstSet = events.slice(0, 2_000);
    await bed.produceManifests(
      await writeBronze(
        lake.store,
        bed.sourceTopic,
        eventRecords(firstSet, { partitions: 3, startMs: START }),
        { objectRecords: 500, next },
      ),
    );
    const transformer = await bed.transformer(lake);
    const one = (await transformer.runBatch()) as PublishedOutcome;
    expect(one.manifest.quality.rows_out).toBe(2_000);

    // Second set: 600 new items; 300 earlier items change status, 100 of them twice.
    const changed = firstSet.filter((_, i) => i % 5 === 0).slice(0, 300);
    const status = (e: OrderItemEvent, step: number) =>
      ({ ...e, order_status: step === 1 ? 'PROCESSING' : 'COMPLETE' }) as OrderItemEvent;
    const secondSet: OrderItemEvent[] = [
      ...changed.map((e) => status(e, 1)),
      ...events.slice(2_000),
      ...changed.slice(0, 100).map((e) => status(e, 2)),
    ];
    await bed.produceManifests(
      await writeBronze(
        lake.store,
        bed.sourceTopic,
        eventRecords(secondSet, { partitions: 3, startMs: START + 3_600_000 }),
        { objectRecords: 500, next },
      ),
    );
    const two = (await transformer.runBatch()) as PublishedOutcome;
    expect(two.manifest.batch_id).toBe('00000002');
    expect(two.manifest.quality).toMatchObject({
      records_in: 1_000,
      rows_out: 900,
      rejected: 0,
      superseded: 100,
    });
    const expected = expectedCounts(secondSet);
    for (const table of SILVER_TABLE_NAMES)
      expect(two.manifest.tables[table]?.rows, table).toBe(expected[table]);
    // Batch 2 consumed only the second set's objects.
    const firstKeys = new Set(one.manifest.inputs.map((i) => i.key));
    expect(two.manifest.inputs.some((i) => firstKeys.has(i.key))).toBe(false);

    const reader = await ParquetReader.open(await bed.tempDir());
    try {
      const fact = ParquetReader.source(
        await reader.fetch(lake.store, two.manifest, 'fct_order_items'),
      );
      const rows = await reader.query(
        `SELECT order_item_id, order_status FROM ${fact} ORDER BY order_item_id`,
      );
      const want = new Map<number, string>();
      for (const e of secondSet) want.set(e.order_item_id, e.order_status);
      expect(rows.map((r) => [Number(r.order_item_id), r.order_status])).toEqual(
        [...want].sort((x, y) => x[0] - y[0]),
      );
      expect(rows.filter((r) => r.order_status === 'COMPLETE').length).toBeGreaterThanOrEqual(100);
    } finally {
      reader.close();
    }
    expect(await publishedManifests(lake.store)).toHaveLength(2);
  });

  it('after a crash before publication, ignores the leftovers of the unpublished batch and publishes it whole', async () => {
    bed = new TestBed();
    await bed.createTopics();
    const lake = await bed.localStore();
    const events = generateEvents(600, 11);
    const manifests = await writeBronze(
      lake.store,
      bed.sourceTopic,
      eventRecords(events, { partitions: 3, startMs: START }),
      { objectRecords: 250 },
    );
    await bed.produceManifests(manifests);
    // What a run killed between staging/promotion and the manifest leaves behind: staged files
    // and a promoted file of batch 00000001, and no manifest.
    const junk = Buffer.from('not parquet: the half of a batch that never got published');
    const leftovers = [
      'silver/_staging/00000001/crashed-run/fct_order_items/part-0.parquet',
      'silver/fct_order_items/order_month=2025-01-01/batch=00000001/part-00000000deadbeef.parquet',
      'silver/dim_customer/batch=00000001/part-00000000deadbeef.parquet',
    ];
    for (const key of leftovers) await lake.store.put(key, junk);

    const outcome = await (await bed.transformer(lake)).runBatch();
    expect(outcome.kind).toBe('published');
    const { manifest } = outcome as PublishedOutcome;
    expect(manifest.batch_id).toBe('00000001');
    expect(manifest.quality).toMatchObject({ records_in: 600, rows_out: 600, rejected: 0 });
    const listed = SILVER_TABLE_NAMES.flatMap((t) => manifest.tables[t]!.files.map((f) => f.key));
    for (const key of leftovers) expect(listed).not.toContain(key);
    expect(await listAll(lake.store, 'silver/_staging/')).toEqual([]);
    // Readers go through the manifest: its files hold exactly the batch's rows.
    const reader = await ParquetReader.open(await bed.tempDir());
    try {
      const paths = await reader.fetch(lake.store, manifest, 'fct_order_items');
      const [row] = await reader.query(`SELECT count(*) AS n FROM ${ParquetReader.source(paths)}`);
      expect(Number(row!.n)).toBe(600);
    } finally {
      reader.close();
    }
  });
});
