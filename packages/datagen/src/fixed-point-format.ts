/**
 * Money and rates are computed in integer units (cents, hundredths) so that the written text obeys
 * the dataset's arithmetic exactly — `Sales = price × quantity` holds digit for digit — and never
 * shows float noise such as `0.30000000000000004`.
 */

/** Writes an integer count of 10^-decimals units as a decimal: `formatFixed(-1234, 2)` → `-12.34`. */
export function formatFixed(units: number, decimals: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`expected an integer, got ${units}`);
  const digits = Math.abs(units)
    .toString()
    .padStart(decimals + 1, '0');
  const split = digits.length - decimals;
  const sign = units < 0 ? '-' : '';
  return decimals === 0
    ? `${sign}${digits}`
    : `${sign}${digits.slice(0, split)}.${digits.slice(split)}`;
}

/** Writes cents as dollars with two decimals: `formatCents(5999)` → `59.99`. */
export function formatCents(cents: number): string {
  return formatFixed(cents, 2);
}
