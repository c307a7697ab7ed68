import { describe, expect, it } from 'vitest';
import { formatCents, formatFixed } from '../src/fixed-point-format.js';

describe('formatFixed / formatCents', () => {
  it.each([
    [5999, 2, '59.99'],
    [0, 2, '0.00'],
    [5, 2, '0.05'],
    [-5, 2, '-0.05'],
    [-24909, 2, '-249.09'],
    [100, 2, '1.00'],
    [4, 2, '0.04'],
    [1234, 0, '1234'],
    [-7, 3, '-0.007'],
  ])('formatFixed(%i, %i) = %s', (units, decimals, text) => {
    expect(formatFixed(units, decimals)).toBe(text);
  });

  it('writes money without float noise', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; in cents it is just 30.
    expect(formatCents(10 + 20)).toBe('0.30');
    expect(formatCents(5999 * 3)).toBe('179.97');
  });

  it('refuses non-integers rather than printing noise', () => {
    expect(() => formatFixed(1.5, 2)).toThrow(RangeError);
  });
});
