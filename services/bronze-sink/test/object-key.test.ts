import { describe, expect, it } from 'vitest';
import {
  bronzeObjectKey,
  hourPartition,
  OFFSET_DIGITS,
  padOffset,
  parseObjectKey,
} from '../src/index.js';

describe('bronzeObjectKey', () => {
  it('follows bronze/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<offset, 20 digits>.jsonl.gz', () => {
    const ts = Date.UTC(2018, 0, 31, 23, 59, 59, 999);
    expect(bronzeObjectKey('lakestream.order_items.v1', 2, 1234, ts)).toBe(
      'bronze/lakestream.order_items.v1/dt=2018-01-31/hour=23/lakestream.order_items.v1+2+00000000000000001234.jsonl.gz',
    );
  });

  it('takes the UTC hour of the record timestamp, whatever the local time zone', () => {
    expect(hourPartition(Date.UTC(2018, 1, 1, 0, 0, 0))).toEqual({ dt: '2018-02-01', hour: '00' });
    expect(hourPartition(Date.UTC(2018, 0, 31, 23, 59, 59, 999))).toEqual({
      dt: '2018-01-31',
      hour: '23',
    });
    expect(hourPartition(0)).toEqual({ dt: '1970-01-01', hour: '00' });
  });

  it('pads offsets so that keys sort in offset order, up to the largest Kafka offset', () => {
    expect(OFFSET_DIGITS).toBe(20);
    expect(padOffset(0)).toBe('00000000000000000000');
    expect(padOffset(Number.MAX_SAFE_INTEGER)).toHaveLength(20);
    expect('9223372036854775807'.length).toBeLessThanOrEqual(OFFSET_DIGITS);
    const offsets = [0, 9, 10, 99, 100, 12_345, 1_000_000, 2 ** 40];
    const keys = offsets.map((o) => bronzeObjectKey('t', 0, o, 0));
    expect([...keys].sort()).toEqual(keys);
  });

  it('reads back what it wrote, and nothing else', () => {
    const key = bronzeObjectKey('orders', 11, 42, Date.UTC(2020, 5, 1, 7));
    expect(parseObjectKey(key)).toEqual({
      topic: 'orders',
      partition: 11,
      startOffset: 42,
      dt: '2020-06-01',
      hour: '07',
    });
    expect(
      parseObjectKey('bronze/a/dt=2020-06-01/hour=07/b+1+00000000000000000042.jsonl.gz'),
    ).toBeUndefined();
    expect(parseObjectKey('silver/x.parquet')).toBeUndefined();
  });
});
