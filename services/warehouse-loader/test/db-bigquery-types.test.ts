import { describe, expect, it } from 'vitest';
import { dbJobId } from '../src/db-bigquery-sql.js';
import { bigqueryTypeOf, widenedBigqueryType } from '../src/db-bigquery-types.js';
import { col } from './support/db-source.js';

describe('database source on BigQuery: types and job ids', () => {
  it('maps each source type to a BigQuery type that holds its values exactly', () => {
    const t = (type: string) => bigqueryTypeOf(col('c', type, 1));
    expect(t('int(10) unsigned')).toBe('INT64');
    expect(t('bigint(20)')).toBe('INT64');
    expect(t('bigint(20) unsigned')).toBe('NUMERIC');
    expect(t('decimal(38,9)')).toBe('NUMERIC');
    expect(t('decimal(38,10)')).toBe('BIGNUMERIC');
    expect(t('decimal(65,30)')).toBe('BIGNUMERIC');
    expect(t('decimal(65,10)')).toBe('STRING');
    expect(t('time(6)')).toBe('STRING');
    expect(t('datetime(6)')).toBe('DATETIME');
    expect(t('timestamp(6)')).toBe('TIMESTAMP');
    expect(t('json')).toBe('JSON');
    expect(t('varbinary(16)')).toBe('BYTES');
  });

  it('widens only where BigQuery can in place, never narrows', () => {
    expect(widenedBigqueryType('INT64', 'NUMERIC')).toBe('NUMERIC');
    expect(widenedBigqueryType('BIGNUMERIC', 'INT64')).toBe('BIGNUMERIC');
    expect(widenedBigqueryType('NUMERIC', 'FLOAT64')).toBe('FLOAT64');
    expect(widenedBigqueryType('STRING', 'DATE')).toBe('STRING');
    expect(widenedBigqueryType('INT64', 'STRING')).toBeUndefined();
    expect(widenedBigqueryType('DATE', 'DATETIME')).toBeUndefined();
  });

  it('gives a step of a batch the same job id every time, another for another attempt or table incarnation', () => {
    const step = {
      project: 'p',
      dataset: 'src_shop',
      table: 'orders',
      incarnation: '1700000000000',
      runId: 'run-1',
      attempt: 1,
      write: 'merge' as const,
      step: 'write' as const,
    };
    expect(dbJobId(step)).toBe(dbJobId({ ...step }));
    expect(dbJobId(step)).toMatch(/^lakestream_db_src_shop_orders_merge_write_[0-9a-f]{16}$/);
    expect(dbJobId({ ...step, attempt: 2 })).not.toBe(dbJobId(step));
    expect(dbJobId({ ...step, write: 'reconcile' })).not.toBe(dbJobId(step));
    expect(dbJobId({ ...step, incarnation: '1700000000001' })).not.toBe(dbJobId(step));
    expect(dbJobId({ ...step, table: 'order lines' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
