import { describe, expect, it } from 'vitest';
import { type BronzeObject, parseBronzeKey, selectPending } from '../src/index.js';

const object = (partition: number, firstOffset: number): BronzeObject => ({
  key: `bronze/t/dt=2025-01-01/hour=10/t+${partition}+${String(firstOffset).padStart(20, '0')}.jsonl.gz`,
  topic: 't',
  partition,
  firstOffset,
  endOffset: firstOffset + 100,
});

describe('bronze object keys', () => {
  it('reads the bronze sink layout and refuses others', () => {
    expect(
      parseBronzeKey(
        'bronze/lakestream.order_items.v1/dt=2018-01-31/hour=22/lakestream.order_items.v1+2+00000000000000050000.jsonl.gz',
      ),
    ).toEqual({ topic: 'lakestream.order_items.v1', partition: 2, startOffset: 50_000 });
    expect(parseBronzeKey('bronze/a/dt=2018-01-31/hour=22/b+2+0.jsonl.gz')).toBeUndefined();
    expect(parseBronzeKey('bronze/a/dt=2018-01-31/a+2+0.jsonl.gz')).toBeUndefined();
    expect(parseBronzeKey('bronze/a/dt=2018-01-31/hour=22/a+2+0.json')).toBeUndefined();
  });
});

describe('pending objects', () => {
  const all = [
    object(1, 200),
    object(0, 100),
    object(1, 0),
    object(0, 0),
    object(2, 0),
    object(1, 100),
  ];

  it('are the unprocessed ones, each partition in offset order', () => {
    const processed = new Set([object(0, 0).key]);
    expect(selectPending(all, processed).map((o) => [o.partition, o.firstOffset])).toEqual([
      [0, 100],
      [1, 0],
      [1, 100],
      [1, 200],
      [2, 0],
    ]);
  });

  it('with a cap, are a prefix of each partition', () => {
    expect(selectPending(all, new Set(), 4).map((o) => [o.partition, o.firstOffset])).toEqual([
      [0, 0],
      [0, 100],
      [1, 0],
      [2, 0],
    ]);
    expect(selectPending(all, new Set(), 100)).toHaveLength(6);
  });
});
