import { describe, expect, it } from 'vitest';
import {
  type BronzeObject,
  checkContiguous,
  selectPending,
  TransformerError,
} from '../src/index.js';

const object = (
  partition: number,
  firstOffset: number,
  { start = firstOffset, end = firstOffset + 100 } = {},
): BronzeObject => ({
  key: `bronze/t/dt=2025-01-01/hour=10/t+${partition}+${String(firstOffset).padStart(20, '0')}.jsonl.gz`,
  topic: 't',
  partition,
  firstOffset,
  startOffset: start,
  endOffset: end,
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

describe("contiguity of a partition's objects", () => {
  const refusal = (objects: BronzeObject[], pending: BronzeObject[]) => {
    try {
      checkContiguous(objects, pending);
      return undefined;
    } catch (err) {
      return err as TransformerError;
    }
  };

  it('accepts objects that each start where the one before ended, markers between included', () => {
    // The second object was read from 100 (a commit marker there), its first record is at 101.
    const all = [object(0, 0), object(0, 101, { start: 100, end: 150 }), object(1, 7)];
    expect(refusal(all, all)).toBeUndefined();
  });

  it('refuses a pending object after a gap, naming both offsets and keys', () => {
    const all = [object(0, 0), object(0, 150), object(1, 0)];
    const err = refusal(all, [all[1]!]);
    expect(err).toBeInstanceOf(TransformerError);
    expect(err?.code).toBe('LS_TRANSFORMER_BRONZE_GAP');
    expect(err?.message).toContain('ends at offset 100');
    expect(err?.message).toContain('starts at 150');
    expect(err?.details).toMatchObject({
      gaps: [{ partition: 0, after: all[0]!.key, key: all[1]!.key, expected: 100, found: 150 }],
    });
  });

  it('judges a pending object against the processed history, and refuses overlaps too', () => {
    const processed = object(0, 0, { end: 120 });
    const pending = object(0, 100);
    expect(refusal([processed, pending], [pending])?.code).toBe('LS_TRANSFORMER_BRONZE_GAP');
    // A gap already behind published batches does not stop what follows it cleanly.
    const later = object(0, 220, { start: 200 });
    expect(refusal([processed, pending, later], [later])).toBeUndefined();
  });
});
