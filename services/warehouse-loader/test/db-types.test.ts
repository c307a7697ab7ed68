import { describe, expect, it } from 'vitest';
import { BronzeIndex } from '../src/db-coverage.js';
import { duckdbTypeOf, widenedType } from '../src/db-types.js';
import { col } from './support/db-source.js';

describe('database source types', () => {
  it('maps each source type to a DuckDB type that holds its values exactly', () => {
    const t = (type: string) => duckdbTypeOf(col('c', type, 1));
    expect(t('tinyint(3) unsigned')).toBe('INTEGER');
    expect(t('int(11)')).toBe('INTEGER');
    expect(t('int(10) unsigned')).toBe('BIGINT');
    expect(t('bigint(20) unsigned')).toBe('UBIGINT');
    expect(t('decimal(38,4)')).toBe('DECIMAL(38,4)');
    expect(t('decimal(39,4)')).toBe('VARCHAR');
    expect(t('time(6)')).toBe('INTERVAL');
    expect(t('datetime(6)')).toBe('TIMESTAMP');
    expect(t('timestamp(6)')).toBe('TIMESTAMPTZ');
  });

  it('widens, never narrows', () => {
    expect(widenedType('INTEGER', 'BIGINT')).toBe('BIGINT');
    expect(widenedType('BIGINT', 'INTEGER')).toBe('BIGINT');
    expect(widenedType('BIGINT', 'UBIGINT')).toBe('HUGEINT');
    expect(widenedType('DECIMAL(10,2)', 'DECIMAL(14,2)')).toBe('DECIMAL(14,2)');
    expect(widenedType('DECIMAL(10,2)', 'DECIMAL(10,4)')).toBe('DECIMAL(12,4)');
    expect(widenedType('INTEGER', 'DECIMAL(10,2)')).toBe('DECIMAL(12,2)');
    expect(widenedType('DECIMAL(30,0)', 'DECIMAL(38,20)')).toBe('VARCHAR');
    expect(widenedType('DATE', 'TIMESTAMP')).toBe('TIMESTAMP');
    expect(widenedType('INTEGER', 'VARCHAR')).toBe('VARCHAR');
  });
});

describe('bronze coverage', () => {
  const manifest = (key: string, start: number, next: number) => ({
    version: 1 as const,
    uri: `file:///${key}`,
    key,
    topic: 'lakestream.db.shop.t.v1',
    partition: 0,
    start_offset: start,
    first_offset: start,
    last_offset: next - 1,
    next_offset: next,
    record_count: next - start,
    bytes: 1,
    format: 'jsonl.gz' as const,
  });
  const batch = (start: number, end: number) => ({
    topic: 'lakestream.db.shop.t.v1',
    ranges: [{ partition: 0, start_offset: start, end_offset: end }],
  });

  it('names the offsets no manifest covers yet, then the pieces to read, each offset once', () => {
    const index = new BronzeIndex();
    index.add(manifest('a', 0, 10));
    index.add(manifest('c', 20, 30));
    expect(index.cover(batch(5, 25))).toEqual({
      covered: false,
      missing: [{ partition: 0, from: 10, to: 20 }],
    });
    // A replay cut the objects differently: overlapping objects, every offset read once.
    index.add(manifest('b', 8, 22));
    expect(index.cover(batch(5, 25))).toEqual({
      covered: true,
      pieces: [
        { key: 'a', partition: 0, from: 5, to: 10 },
        { key: 'b', partition: 0, from: 10, to: 22 },
        { key: 'c', partition: 0, from: 22, to: 25 },
      ],
    });
  });
});
