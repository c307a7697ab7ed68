import { describe, expect, it } from 'vitest';
import { offsetsHeld } from '../src/index.js';

const span = (partition: number, first_offset: number, last_offset: number) => ({
  partition,
  first_offset,
  last_offset,
});

describe('offsetsHeld', () => {
  const since = new Map([
    [0, 100],
    [1, 50],
  ]);
  const end = new Map([
    [0, 110],
    [1, 60],
    [2, 5],
  ]);

  it("counts an object straddling the run's start by its part inside the run", () => {
    expect(offsetsHeld([span(0, 90, 104), span(0, 105, 109)], since, end)).toBe(10);
  });

  it('counts each offset once however many objects hold it, and nothing outside the run', () => {
    expect(
      offsetsHeld([span(1, 40, 49), span(1, 50, 55), span(1, 53, 59), span(1, 60, 70)], since, end),
    ).toBe(10);
  });

  it('counts a partition the run start did not know from offset 0, and misses what is missing', () => {
    expect(offsetsHeld([span(2, 0, 4), span(0, 100, 104)], since, end)).toBe(10);
    expect(offsetsHeld([span(0, 100, 103), span(0, 105, 109)], since, end)).toBe(9);
  });
});
