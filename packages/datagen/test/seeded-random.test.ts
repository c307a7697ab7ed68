import { describe, expect, it } from 'vitest';
import { SeededRandom, WeightedChoice } from '../src/index.js';

function draws(seed: number, count: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => random.nextUint32());
}

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between neighbouring seeds', () => {
    expect(draws(42, 100)).toEqual(draws(42, 100));
    expect(draws(42, 100)).not.toEqual(draws(43, 100));
    expect(draws(0, 100)).not.toEqual(draws(1, 100));
  });

  it('is pinned: a change to the algorithm would silently change every generated file', () => {
    expect(draws(42, 4)).toMatchInlineSnapshot(`
      [
        3825871779,
        1851418855,
        1383259262,
        890322987,
      ]
    `);
  });

  it('draws floats in [0, 1) and integers in [min, max] inclusive, evenly', () => {
    const random = new SeededRandom(7);
    const counts = new Map<number, number>();
    let outOfRange = 0;
    for (let i = 0; i < 60_000; i++) {
      const value = random.int(1, 6);
      counts.set(value, (counts.get(value) ?? 0) + 1);
      const float = random.next();
      if (!(float >= 0 && float < 1)) outOfRange++;
    }
    expect(outOfRange).toBe(0);
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const count of counts.values()) expect(count).toBeGreaterThan(9_500);
  });
});

describe('WeightedChoice', () => {
  it('draws items in proportion to their weights', () => {
    const choice = new WeightedChoice([
      ['a', 1],
      ['b', 3],
      ['c', 6],
    ]);
    const random = new SeededRandom(1);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 100_000; i++) counts[choice.draw(random)]!++;
    expect(counts.a! / 100_000).toBeCloseTo(0.1, 1);
    expect(counts.b! / 100_000).toBeCloseTo(0.3, 1);
    expect(counts.c! / 100_000).toBeCloseTo(0.6, 1);
  });

  it('rejects an empty list and non-positive weights', () => {
    expect(() => new WeightedChoice([])).toThrow(RangeError);
    expect(() => new WeightedChoice([['a', 0]])).toThrow(/positive/);
    expect(() => new WeightedChoice([['a', Number.NaN]])).toThrow(/positive/);
  });
});
