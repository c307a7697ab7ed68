import { describe, expect, it } from 'vitest';
import { formatDataCoTimestamp, parseDataCoTimestamp } from '../src/index.js';

describe('parseDataCoTimestamp', () => {
  it.each([
    ['1/31/2018 22:56', '2018-01-31T22:56:00.000Z'],
    ['2/3/2018 9:05', '2018-02-03T09:05:00.000Z'],
    ['1/1/2015 0:00', '2015-01-01T00:00:00.000Z'],
    ['12/31/2017 23:59', '2017-12-31T23:59:00.000Z'],
    ['2/29/2016 12:00', '2016-02-29T12:00:00.000Z'],
    ['2/29/2000 12:00', '2000-02-29T12:00:00.000Z'],
    ['4/30/2017 6:30', '2017-04-30T06:30:00.000Z'],
    // Leading zeros are tolerated on input although DataCo never writes them.
    ['02/03/2018 09:05', '2018-02-03T09:05:00.000Z'],
  ])('reads %s as %s (UTC)', (text, iso) => {
    expect(parseDataCoTimestamp(text)).toBe(iso);
  });

  it.each([
    ['2/30/2018 10:00', 'February 30'],
    ['2/29/2017 10:00', 'February 29 outside a leap year'],
    ['2/29/1900 10:00', 'February 29 in a century year that is not leap'],
    ['4/31/2017 10:00', 'April 31'],
    ['13/1/2018 10:00', 'month 13'],
    ['0/1/2018 10:00', 'month 0'],
    ['1/0/2018 10:00', 'day 0'],
    ['1/32/2018 10:00', 'day 32'],
    ['1/31/2018 24:00', 'hour 24'],
    ['1/31/2018 25:00', 'hour 25'],
    ['1/31/2018 10:60', 'minute 60'],
  ])('rejects the impossible %s (%s)', (text) => {
    expect(parseDataCoTimestamp(text)).toBeUndefined();
  });

  it.each([
    '',
    '2018-01-31 22:56',
    '2018-01-31T22:56:00.000Z',
    '1/31/18 22:56',
    '1/31/2018',
    '1/31/2018 22:56:00',
    '1/31/2018 22:5',
    '1/31/2018 22:566',
    '1/31/2018  22:56',
    ' 1/31/2018 22:56',
    '1/31/2018 22:56 ',
    '1/31/2018T22:56',
    '1-31-2018 22:56',
    '123/1/2018 10:00',
    '1/31/20180 10:00',
    '1/31/2018 100:00',
    'a/b/cdef g:hi',
  ])('rejects the malformed %j', (text) => {
    expect(parseDataCoTimestamp(text)).toBeUndefined();
  });
});

describe('formatDataCoTimestamp', () => {
  it('writes M/D/YYYY H:MM without leading zeros except in the minutes', () => {
    expect(formatDataCoTimestamp(Date.UTC(2018, 1, 3, 9, 5))).toBe('2/3/2018 9:05');
    expect(formatDataCoTimestamp(Date.UTC(2018, 0, 31, 22, 56, 59))).toBe('1/31/2018 22:56');
    expect(formatDataCoTimestamp(Date.UTC(2015, 0, 1, 0, 0))).toBe('1/1/2015 0:00');
  });

  it('round-trips through parseDataCoTimestamp for every minute of a leap day', () => {
    const start = Date.UTC(2016, 1, 29);
    for (let minute = 0; minute < 24 * 60; minute++) {
      const epochMs = start + minute * 60_000;
      const text = formatDataCoTimestamp(epochMs);
      expect(parseDataCoTimestamp(text)).toBe(new Date(epochMs).toISOString());
    }
  });
});
