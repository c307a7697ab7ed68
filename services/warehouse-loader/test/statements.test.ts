import { describe, expect, it } from 'vitest';
import { classifyBigqueryError } from '../src/bigquery-errors.js';
import { bigqueryMergeSql } from '../src/bigquery-sql.js';
import { classifyDuckdbError, duckdbUpsertSql } from '../src/duckdb-target.js';
import { formatSummary, type RunSummary } from '../src/loader.js';

describe('statements', () => {
  it('upserts a DuckDB dimension on its key, and the fact only from a version not earlier', () => {
    const dim = duckdbUpsertSql('silver', 'dim_product', ['/l/a.parquet', "/l/o'b.parquet"]);
    expect(dim).toContain(
      `FROM read_parquet(['/l/a.parquet', '/l/o''b.parquet'], hive_partitioning = false)\nON CONFLICT ("product_card_id") DO UPDATE SET "product_name" = excluded."product_name"`,
    );
    expect(dim).not.toContain('WHERE');
    const fact = duckdbUpsertSql('silver', 'fct_order_items', ['/f.parquet']);
    expect(fact).toMatch(
      /^INSERT INTO "silver"."fct_order_items" AS "fct_order_items" \("order_item_id", "order_id",/,
    );
    expect(fact).not.toContain('"order_item_id" = excluded');
    expect(fact).toContain(
      '\nWHERE (excluded."kafka_timestamp" > "fct_order_items"."kafka_timestamp" OR (excluded."kafka_timestamp" = "fct_order_items"."kafka_timestamp" AND (excluded."kafka_partition" > "fct_order_items"."kafka_partition" OR (excluded."kafka_partition" = "fct_order_items"."kafka_partition" AND (excluded."kafka_offset" >= "fct_order_items"."kafka_offset")))))',
    );
  });

  it('merges a BigQuery staging table with every column cast to the contract type', () => {
    const sql = bigqueryMergeSql('p', 'silver', 'fct_order_items', '_stg_fct_order_items_00000007');
    expect(sql).toContain(
      'MERGE `p.silver.fct_order_items` AS T\nUSING `p.silver._stg_fct_order_items_00000007` AS S',
    );
    expect(sql).toContain('ON T.`order_item_id` = S.`order_item_id`');
    expect(sql).toContain(
      'WHEN MATCHED AND (CAST(S.`kafka_timestamp` AS TIMESTAMP) > T.`kafka_timestamp` OR (CAST(S.`kafka_timestamp` AS TIMESTAMP) = T.`kafka_timestamp` AND (CAST(S.`kafka_partition` AS INT64) > T.`kafka_partition` OR (CAST(S.`kafka_partition` AS INT64) = T.`kafka_partition` AND (CAST(S.`kafka_offset` AS INT64) >= T.`kafka_offset`))))) THEN UPDATE SET `order_id` = CAST(S.`order_id` AS INT64)',
    );
    expect(sql).toContain('`order_ts` = CAST(S.`order_ts` AS TIMESTAMP)');
    expect(sql).toContain('WHEN NOT MATCHED THEN INSERT (`order_item_id`, `order_id`');
    expect(bigqueryMergeSql('p', 'silver', 'dim_date', 's')).toContain(
      'WHEN MATCHED THEN UPDATE SET `date` = CAST(S.`date` AS DATE)',
    );
  });
});

describe('error classification', () => {
  it('retries what BigQuery says to retry, and not the emulator’s catch-all', () => {
    const internal = { code: 400, message: 'x', errors: [{ reason: 'jobInternalError' }] };
    expect(classifyBigqueryError(internal, 'merging', false)).toMatchObject({
      code: 'LS_LOADER_WAREHOUSE_UNAVAILABLE',
      retryable: true,
    });
    expect(classifyBigqueryError(internal, 'merging', true)).toMatchObject({
      code: 'LS_LOADER_WAREHOUSE_FAILED',
      retryable: false,
    });
    expect(classifyBigqueryError({ code: 503, message: 'x' }, 'w', true).retryable).toBe(true);
    expect(
      classifyBigqueryError({ code: 'ECONNREFUSED', message: 'x' }, 'w', false).retryable,
    ).toBe(true);
    expect(
      classifyBigqueryError({ code: 404, errors: [{ reason: 'notFound' }] }, 'w', false),
    ).toMatchObject({
      code: 'LS_LOADER_WAREHOUSE_FAILED',
      message: 'w: notFound',
    });
  });

  it('retries a DuckDB file locked by another process', () => {
    const locked = new Error(
      'IO Error: Could not set lock on file "/w.duckdb": Conflicting lock is held in /usr/bin/node (PID 1)',
    );
    expect(classifyDuckdbError(locked, 'opening')).toMatchObject({
      code: 'LS_LOADER_WAREHOUSE_UNAVAILABLE',
      retryable: true,
    });
    expect(classifyDuckdbError(new Error('Binder Error: x'), 'upserting')).toMatchObject({
      code: 'LS_LOADER_WAREHOUSE_FAILED',
      retryable: false,
      message: 'upserting: Binder Error: x',
    });
  });
});

describe('summary line', () => {
  const base: RunSummary = {
    target: 'duckdb /w.duckdb (schema silver)',
    targetKind: 'duckdb',
    published: 3,
    applied: [],
    rows: { dim_customer: 0, dim_product: 0, dim_geography: 0, dim_date: 0, fct_order_items: 0 },
    interrupted: false,
    durationMs: 1234,
  };
  it('says what was applied, or that nothing was', () => {
    expect(formatSummary(base)).toBe(
      'warehouse-loader: nothing to apply, all 3 published batches are applied (duckdb /w.duckdb (schema silver)) in 1.23 s',
    );
    expect(formatSummary({ ...base, published: 0 })).toContain('no silver batch is published yet');
    const rows = { ...base.rows, fct_order_items: 5 };
    expect(
      formatSummary({
        ...base,
        applied: [{ id: '00000003', sequence: 3, rows, durationMs: 1 }],
        rows,
        interrupted: true,
      }),
    ).toBe(
      'warehouse-loader: applied 1 batch (00000003) to duckdb /w.duckdb (schema silver): dim_customer 0, dim_product 0, dim_geography 0, dim_date 0, fct_order_items 5 rows in 1.23 s (interrupted before the rest)',
    );
  });
});
