import { describe, expect, it } from 'vitest';
import {
  BatchManifestSchema,
  batchId,
  batchIdOfManifestKey,
  batchManifestKey,
  batchSequence,
  columnNames,
  duckdbColumnsDdl,
  notEarlierSql,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  VERSION_ORDER,
} from '../src/index.js';

describe('silver tables', () => {
  it('every primary and foreign key names an existing column of a known table', () => {
    for (const name of SILVER_TABLE_NAMES) {
      const table = SILVER_TABLES[name];
      const columns = columnNames(name);
      expect(new Set(columns).size, `${name} has duplicate columns`).toBe(columns.length);
      expect(columns).toContain(table.primaryKey);
      for (const fk of table.foreignKeys) {
        expect(columns).toContain(fk.column);
        expect(columnNames(fk.references.table)).toContain(fk.references.column);
        expect(SILVER_TABLES[fk.references.table].primaryKey).toBe(fk.references.column);
      }
      if (table.partitionBy) expect(columns).toContain(table.partitionBy);
    }
  });

  it('keys are never nullable', () => {
    for (const name of SILVER_TABLE_NAMES) {
      const table = SILVER_TABLES[name];
      const keys = [table.primaryKey, ...table.foreignKeys.map((fk) => fk.column)];
      for (const column of table.columns)
        if (keys.includes(column.name))
          expect(column.nullable, `${name}.${column.name}`).toBe(false);
    }
  });

  it('the fact carries the measures and lineage the gold layer reads', () => {
    expect(columnNames('fct_order_items')).toEqual(
      expect.arrayContaining([
        'order_item_id',
        'order_id',
        'customer_id',
        'product_card_id',
        'geography_key',
        'order_date_key',
        'shipping_date_key',
        'quantity',
        'product_price',
        'discount',
        'discount_rate',
        'sales',
        'item_total',
        'profit',
        'profit_ratio',
        'days_shipping_real',
        'days_shipping_scheduled',
        'delivery_status',
        'late_delivery_risk',
        'order_status',
        'payment_type',
        'shipping_mode',
        'kafka_topic',
        'kafka_partition',
        'kafka_offset',
      ]),
    );
  });

  it('renders DuckDB DDL with NOT NULL and the primary key', () => {
    const ddl = duckdbColumnsDdl('dim_customer');
    expect(ddl).toContain('"customer_id" BIGINT NOT NULL');
    expect(ddl).toContain('"last_name" VARCHAR,');
    expect(ddl).toMatch(/PRIMARY KEY \("customer_id"\)$/);
  });
});

describe('batch keys', () => {
  it('pads ids so key order is batch order, and reads them back', () => {
    expect(batchId(1)).toBe('00000001');
    expect(batchId(12)).toBe('00000012');
    expect(batchSequence('00000012')).toBe(12);
    expect(batchSequence('12')).toBeUndefined();
    expect(batchManifestKey('00000003')).toBe('silver/_batches/00000003.json');
    expect(batchIdOfManifestKey('silver/_batches/00000003.json')).toBe('00000003');
    expect(batchIdOfManifestKey('silver/_batches/x.json')).toBeUndefined();
    expect(() => batchId(0)).toThrow(RangeError);
  });

  it('rejects a manifest with a missing quality block', () => {
    const result = BatchManifestSchema.safeParse({
      version: 1,
      batch_id: '00000001',
      sequence: 1,
      created_at: '2026-11-23T00:00:00.000Z',
      inputs: [],
      tables: {},
    });
    expect(result.success).toBe(false);
  });
});

describe('the later version of an order item', () => {
  it('is ordered by (kafka_timestamp, kafka_partition, kafka_offset)', () => {
    expect(VERSION_ORDER).toEqual(['kafka_timestamp', 'kafka_partition', 'kafka_offset']);
    expect(
      notEarlierSql(
        (c) => `a.${c}`,
        (c) => `b.${c}`,
      ),
    ).toBe(
      '(a.kafka_timestamp > b.kafka_timestamp OR (a.kafka_timestamp = b.kafka_timestamp AND (a.kafka_partition > b.kafka_partition OR (a.kafka_partition = b.kafka_partition AND (a.kafka_offset >= b.kafka_offset)))))',
    );
  });

  it('spells out the lexicographic comparison: the same answer as comparing the tuples', () => {
    // The SQL, read as a JavaScript expression over two tuples, against every pair of a small grid.
    const sql = notEarlierSql(
      (c) => `a[${VERSION_ORDER.indexOf(c)}]`,
      (c) => `b[${VERSION_ORDER.indexOf(c)}]`,
    )
      .replaceAll(' = ', ' === ')
      .replaceAll(' AND ', ' && ')
      .replaceAll(' OR ', ' || ');
    const notEarlier = new Function('a', 'b', `return ${sql};`) as (
      a: number[],
      b: number[],
    ) => boolean;
    const grid = [0, 1, 2].flatMap((t) => [0, 1].flatMap((p) => [0, 5].map((o) => [t, p, o])));
    for (const a of grid)
      for (const b of grid) {
        const expected =
          a[0]! !== b[0]! ? a[0]! > b[0]! : a[1]! !== b[1]! ? a[1]! > b[1]! : a[2]! >= b[2]!;
        expect(notEarlier(a, b), `${a} vs ${b}`).toBe(expected);
      }
  });
});
