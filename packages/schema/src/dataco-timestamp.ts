/**
 * DataCo timestamps: `M/D/YYYY H:MM` (`1/31/2018 22:56`, `2/3/2018 9:05`), minute precision, no
 * zone. They are read as UTC because the dataset gives no zone and UTC keeps every day 24 hours
 * long. Month, day and hour may be written with one or two digits (a leading zero is tolerated on
 * input, never written); the year has four digits and the minutes two.
 *
 * Parsing is a hand-written scan rather than a regex plus `Date`: it runs twice per row on the
 * producer's hot path, and `Date.UTC` silently rolls `2/30` over to March 2, which must be rejected.
 */

/** Why a timestamp was rejected: the text has the wrong shape, or names a date that does not exist. */
export class TimestampRejection {
  constructor(readonly message: string) {}
}

/** The text is not `M/D/YYYY H:MM`. */
export const TIMESTAMP_FORMAT_REJECTION = new TimestampRejection('expected M/D/YYYY H:MM');
/** The text has the right shape but names no real instant (month 13, February 30, 24:00, minute 60). */
export const TIMESTAMP_RANGE_REJECTION = new TimestampRejection(
  'not a real date and time (month 1-12, day within the month, hour 0-23, minute 0-59)',
);

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, n) =>
  n.toString().padStart(2, '0'),
);

/** Set by `scanDigits`: the value of the digits it consumed. */
let scanned = 0;

/**
 * Reads `min`–`max` decimal digits of `text` from `start`, leaving their value in `scanned`.
 * Returns the index after them, or -1 when fewer than `min` digits are there.
 */
function scanDigits(text: string, start: number, min: number, max: number): number {
  let value = 0;
  let i = start;
  const end = Math.min(text.length, start + max);
  while (i < end) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    i++;
  }
  if (i - start < min) return -1;
  scanned = value;
  return i;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Reads a DataCo timestamp into an ISO-8601 UTC string (`2018-01-31T22:56:00.000Z`), or returns
 * the rejection saying why it cannot. Allocation-free on rejection, for the hot path.
 */
export function readDataCoTimestamp(text: string): string | TimestampRejection {
  let i = scanDigits(text, 0, 1, 2);
  if (i < 0 || text.charCodeAt(i) !== 47 /* / */) return TIMESTAMP_FORMAT_REJECTION;
  const month = scanned;
  i = scanDigits(text, i + 1, 1, 2);
  if (i < 0 || text.charCodeAt(i) !== 47 /* / */) return TIMESTAMP_FORMAT_REJECTION;
  const day = scanned;
  const yearStart = i + 1;
  i = scanDigits(text, yearStart, 4, 4);
  if (i < 0 || text.charCodeAt(i) !== 32 /* space */) return TIMESTAMP_FORMAT_REJECTION;
  const year = scanned;
  i = scanDigits(text, i + 1, 1, 2);
  if (i < 0 || text.charCodeAt(i) !== 58 /* : */) return TIMESTAMP_FORMAT_REJECTION;
  const hour = scanned;
  i = scanDigits(text, i + 1, 2, 2);
  if (i < 0 || i !== text.length) return TIMESTAMP_FORMAT_REJECTION;
  const minute = scanned;

  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59
  ) {
    return TIMESTAMP_RANGE_REJECTION;
  }
  return `${text.slice(yearStart, yearStart + 4)}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:00.000Z`;
}

/** Converts a DataCo timestamp to an ISO-8601 UTC string, or `undefined` when it is not valid. */
export function parseDataCoTimestamp(text: string): string | undefined {
  const result = readDataCoTimestamp(text);
  return typeof result === 'string' ? result : undefined;
}

/** Formats an instant (epoch milliseconds, UTC; seconds are dropped) as a DataCo `M/D/YYYY H:MM`. */
export function formatDataCoTimestamp(epochMs: number): string {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) {
    throw new RangeError(`DataCo timestamps have four-digit years; got ${date.toISOString()}`);
  }
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${year} ${date.getUTCHours()}:${TWO_DIGITS[date.getUTCMinutes()]}`;
}
