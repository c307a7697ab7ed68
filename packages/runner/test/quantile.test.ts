import { describe, expect, it } from 'vitest';
import { quantile } from '../src/index.js';

describe('quantile (nearest rank), as the live mode reports freshness', () => {
  it('takes the nearest-rank value of ascending data', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.95)).toBe(95);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([7], 0.95)).toBe(7);
  });

  it('is NaN for no data, never a made-up figure', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});
