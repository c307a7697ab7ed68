import { describe, expect, it } from 'vitest';
import {
  BatchManifestSchema,
  batchId,
  batchIdOfManifestKey,
  batchManifestKey,
  batchSequence,
  columnNames,
  duckdbColumnsDdl,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
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
