import { describe, expect, it } from 'vitest';
import { gapsBetweenManifests } from '../src/streaming-checks.js';
import { isWhole, position, tally } from '../src/tally.js';

const produced = new Map([
  [position(0, 0), 10],
  [position(0, 1), 11],
  [position(1, 0), 12],
]);

describe('tally', () => {
  it('finds nothing wrong when every record is held once', () => {
    const t = tally('bronze', produced, [
      { partition: 0, offset: 0, orderItemId: 10 },
      { partition: 0, offset: 1, orderItemId: 11 },
      { partition: 1, offset: 0, orderItemId: 12 },
    ]);
    expect(t).toMatchObject({
      expected: 3,
      held: 3,
      lostOffsets: 0,
      duplicatedOffsets: 0,
      lostKeys: 0,
      duplicatedKeys: 0,
    });
    expect(isWhole(t)).toBe(true);
  });

  it('counts a lost and a duplicated record by position and by key', () => {
    const t = tally('audit', produced, [
      { partition: 0, offset: 0, orderItemId: 10 },
      { partition: 0, offset: 0, orderItemId: 10 },
      { partition: 1, offset: 0, orderItemId: 12 },
    ]);
    expect(t).toMatchObject({
      held: 3,
      lostOffsets: 1,
      duplicatedOffsets: 1,
      lostKeys: 1,
      duplicatedKeys: 1,
    });
    expect(isWhole(t)).toBe(false);
  });

  it('names records at positions that were never produced', () => {
    const t = tally('silver', produced, [
      { partition: 0, offset: 0, orderItemId: 10 },
      { partition: 0, offset: 1, orderItemId: 11 },
      { partition: 1, offset: 0, orderItemId: 12 },
      { partition: 2, offset: 5, orderItemId: 99 },
    ]);
    expect(t.problems).toEqual([
      '1 record(s) at positions that were never produced',
      '1 order item(s) that were never produced',
    ]);
  });
});

describe('gapsBetweenManifests', () => {
  const m = (partition: number, first: number, last: number) => ({
    key: `k${partition}-${first}`,
    topic: 't',
    partition,
    first_offset: first,
    last_offset: last,
    record_count: last - first + 1,
  });

  it('accepts contiguous manifests in any order', () => {
    expect(gapsBetweenManifests([m(0, 10, 19), m(0, 0, 9), m(1, 0, 4)])).toEqual([]);
  });

  it('names a gap and an overlap with their offsets', () => {
    expect(gapsBetweenManifests([m(0, 0, 9), m(0, 12, 19), m(0, 15, 30)])).toEqual([
      'partition 0: gap between manifests, offsets 10–11 (k0-0 → k0-12)',
      'partition 0: manifests overlap at offsets 15–19 (k0-12, k0-15)',
    ]);
  });

  it('reads the range each manifest records: offsets without records between objects are no gap', () => {
    // Transaction markers at 10 and 21: the second object was read from 10, its first record is 11.
    const withRange = (first: number, last: number, start: number, next: number) => ({
      ...m(0, first, last),
      start_offset: start,
      next_offset: next,
    });
    expect(gapsBetweenManifests([withRange(0, 9, 0, 10), withRange(11, 20, 10, 22)])).toEqual([]);
    expect(gapsBetweenManifests([withRange(0, 9, 0, 10), withRange(13, 20, 12, 21)])).toEqual([
      'partition 0: gap between manifests, offsets 10–11 (k0-0 → k0-13)',
    ]);
  });
});
