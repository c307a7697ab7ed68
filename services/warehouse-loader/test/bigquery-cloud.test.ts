// What production BigQuery needs and the emulator never shows: the MERGE prunes the fact's
// partitions, and a job that fails with rateLimitExceeded or backendError in its jobs.get status
// (not as an HTTP error) is retried. The emulator raises neither reason, so the job outcome comes
// from a thin stand-in client here; the loader's whole path on the emulator is in bigquery-loader.
import type { BigQuery } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import { type PublishedBatch, tablesToLoad } from '../src/batches.js';
import { createBigqueryJobs } from '../src/bigquery-jobs.js';
import { bigqueryMergeSql } from '../src/bigquery-sql.js';

describe('the MERGE prunes the fact by order_month', () => {
  const file = (key: string, order_month?: string) => ({
    key,
    rows: 1,
    bytes: 1,
    ...(order_month ? { order_month } : {}),
  });
  // Only `tables` is read to plan the loads.
  const manifest = {
    tables: {
      dim_date: { rows: 1, files: [file('silver/dim_date/batch=00000007/part-0.parquet')] },
      fct_order_items: {
        rows: 3,
        files: [
          file(
            'silver/fct_order_items/order_month=2017-02-01/batch=00000007/part-0.parquet',
            '2017-02-01',
          ),
          file(
            'silver/fct_order_items/order_month=2016-12-01/batch=00000007/part-0.parquet',
            '2016-12-01',
          ),
          file(
            'silver/fct_order_items/order_month=2017-02-01/batch=00000007/part-1.parquet',
            '2017-02-01',
          ),
        ],
      },
    },
  } as unknown as PublishedBatch['manifest'];
  const partitionsOf = (table: string) =>
    tablesToLoad(manifest).find((t) => t.table === table)?.partitions;

  it("reads the batch's months from its manifest", () => {
    expect(partitionsOf('fct_order_items')).toEqual(['2016-12-01', '2017-02-01']);
    expect(partitionsOf('dim_date')).toEqual([]);
  });

  it('names those months as constants in the ON clause of the fact', () => {
    const sql = bigqueryMergeSql(
      'p',
      'silver',
      'fct_order_items',
      's',
      partitionsOf('fct_order_items'),
    );
    const on = sql.split('\n').find((line) => line.startsWith('ON '));
    expect(on).toBe(
      "ON T.`order_item_id` = S.`order_item_id` AND T.`order_month` IN (DATE '2016-12-01', DATE '2017-02-01')",
    );
  });

  it('leaves a dimension, which has no partitions, unfiltered', () => {
    const sql = bigqueryMergeSql('p', 'silver', 'dim_date', 's', []);
    expect(sql).not.toContain('order_month');
  });
});

describe('job-level errors in the jobs.get status', () => {
  /** A client whose jobs are new and finish DONE with `errorResult`. */
  function clientFailingWith(reason: string): BigQuery {
    const job = {
      id: 'j',
      metadata: { status: { state: 'DONE', errorResult: { reason, message: `${reason} (job)` } } },
      promise: async () => {},
    };
    return {
      job: () => ({
        get: async () => {
          throw Object.assign(new Error('Not found: Job'), { code: 404 });
        },
      }),
      createJob: async () => [job],
    } as unknown as BigQuery;
  }
  const batch = { id: '00000001', sha256: 'x' } as PublishedBatch;

  it.each(['rateLimitExceeded', 'backendError'])('%s is retryable on BigQuery', async (reason) => {
    const jobs = createBigqueryJobs(clientFailingWith(reason), {}, false);
    await expect(
      jobs.run(
        `lakestream_silver_${batch.id}_dim_date_merge_0`,
        { query: { query: 'x' } },
        'merging',
      ),
    ).rejects.toMatchObject({ code: 'LS_LOADER_WAREHOUSE_UNAVAILABLE', retryable: true });
  });

  it('an invalid query in the status is final', async () => {
    const jobs = createBigqueryJobs(clientFailingWith('invalidQuery'), {}, false);
    await expect(
      jobs.run('lakestream_silver_00000001_dim_date_merge_0', { query: { query: 'x' } }, 'merging'),
    ).rejects.toMatchObject({ code: 'LS_LOADER_WAREHOUSE_FAILED', retryable: false });
  });
});
