import { describe, expect, it } from 'vitest';
import { FetchPosition } from '../src/fetch-position.js';

describe('FetchPosition', () => {
  it('takes only batches that start exactly where the previous one ended', () => {
    const position = new FetchPosition();
    expect(position.take(0, 9)).toBe(false); // not taken yet: nothing is expected
    position.reset(100);
    expect(position.take(100, 149)).toBe(true);
    expect(position.offset).toBe(150);
    // Fetched before a seek back, handed over after it: past the expected offset – refused.
    expect(position.take(400, 499)).toBe(false);
    expect(position.take(120, 130)).toBe(false);
    expect(position.refused).toBe(2);
    expect(position.offset).toBe(150);
    position.seek(150); // sent back there: the count goes on until a batch is taken
    expect(position.take(500, 599)).toBe(false);
    expect(position.refused).toBe(3);
    expect(position.take(150, 152)).toBe(true);
    expect(position.refused).toBe(0);
  });

  it('moves past marker-only batches of the chain, not past stale ones', () => {
    const position = new FetchPosition();
    position.reset(10);
    position.skip(11, 11); // not where the chain is: fetched before a seek
    expect(position.offset).toBe(10);
    position.skip(10, 10); // a commit marker at 10
    expect(position.offset).toBe(11);
    expect(position.take(11, 20)).toBe(true);
  });
});
