import { DeadLetterRecordSchema } from '@lakestream/lake';
import { describe, expect, it } from 'vitest';
import { ByteWindow } from '../src/byte-window.js';
import {
  deadLetterRecord,
  formatProgress,
  formatSummary,
  maxUnacknowledgedRows,
} from '../src/index.js';

describe('ByteWindow', () => {
  it('slices across chunks by absolute offset and forgets consumed chunks', () => {
    const window = new ByteWindow();
    window.append(Buffer.from('abc'));
    window.append(Buffer.from('defg'));
    window.append(Buffer.from('hi'));
    expect(window.slice(2, 8).toString()).toBe('cdefgh');
    expect(window.slice(2, 8, 3).toString()).toBe('cde');
    window.discardBefore(3);
    expect(window.slice(3, 9).toString()).toBe('defghi');
    window.discardBefore(8);
    expect(window.slice(7, 9).toString()).toBe('hi');
    expect(window.length).toBe(9);
  });
});

describe('deadLetterRecord', () => {
  it("writes the lake's dead-letter record: every reason with its code, long values cut", () => {
    const record = deadLetterRecord(
      {
        kind: 'rejection',
        position: { file: 'a.csv', row: 7 },
        problems: [
          {
            code: 'LS_SCHEMA_INTEGER',
            column: 'Order Id',
            row: 7,
            value: 'x'.repeat(5000),
            message: 'expected an integer',
          },
          {
            code: 'LS_SCHEMA_REQUIRED',
            column: 'Type',
            row: 7,
            value: '',
            message: 'missing required value',
          },
        ],
        raw: 'the raw line',
        rawBytes: 13,
        rawTruncated: false,
      },
      'latin1',
      new Date('2024-01-01T00:00:00.000Z'),
    );
    expect(DeadLetterRecordSchema.parse(record)).toEqual(record);
    expect(record.reasons.map((r) => [r.code, r.column])).toEqual([
      ['LS_SCHEMA_INTEGER', 'Order Id'],
      ['LS_SCHEMA_REQUIRED', 'Type'],
    ]);
    expect(record.reasons[0]!.value).toHaveLength(1025);
    expect(record).toMatchObject({
      dlq_version: 1,
      source: { kind: 'file', file: 'a.csv', row: 7, encoding: 'latin1' },
      raw: 'the raw line',
      raw_encoding: 'utf8',
      raw_bytes: 13,
      raw_truncated: false,
      failed_at: '2024-01-01T00:00:00.000Z',
      component: 'producer',
    });
  });
});

describe('progress and summary', () => {
  it('formats the summary line', () => {
    expect(
      formatSummary({
        files: 1,
        rowsRead: 5000,
        valid: 4990,
        invalid: 10,
        skipped: 0,
        seconds: 2,
        interrupted: false,
      }),
    ).toBe(
      'producer: 1 file, 5,000 rows read, 4,990 valid sent, 10 invalid to DLQ, 2.00 s, 2,500 rows/s',
    );
    expect(
      formatSummary({
        files: 2,
        rowsRead: 10,
        valid: 10,
        invalid: 0,
        skipped: 90,
        seconds: 1,
        interrupted: true,
      }),
    ).toBe(
      'producer: interrupted: 2 files, 10 rows read, 10 valid sent, 0 invalid to DLQ, 90 skipped (already acknowledged), 1.00 s, 10 rows/s',
    );
  });

  it('draws a bar with an ETA from bytes read', () => {
    const line = formatProgress({
      rowsRead: 1000,
      valid: 990,
      invalid: 10,
      bytesRead: 250,
      totalBytes: 1000,
      seconds: 10,
    });
    expect(line).toBe(
      '[======                  ]  25% 1,000 rows, 100 rows/s, valid 990, invalid 10, ETA 0:30',
    );
    expect(
      formatProgress({
        rowsRead: 5,
        valid: 5,
        invalid: 0,
        bytesRead: 9,
        totalBytes: undefined,
        seconds: 1,
      }),
    ).toBe('producer: 5 rows, 5 rows/s, valid 5, invalid 0');
  });
});

describe('maxUnacknowledgedRows', () => {
  it('is every batch that can be sealed or filling', () => {
    expect(maxUnacknowledgedRows(3, 200)).toBe(2_000);
  });
});
