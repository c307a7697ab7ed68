import { describe, expect, it } from 'vitest';
import { encodeCopyRows, escapeCopyText } from '../src/copy-text.js';
import type { AuditRow } from '../src/decode-message.js';

const row: AuditRow = {
  partition: 1,
  offset: '9007199254740993', // beyond 2^53: offsets stay strings
  key: null,
  payload: Buffer.from('{"a":1}'),
  orderItemId: 5,
  orderId: 6,
  orderStatus: 'COMPLETE',
  orderDate: '2018-01-31T22:56:00.000Z',
  ingestedAt: '2024-05-01T12:00:00.000Z',
  kafkaTimestamp: null,
  sourceFile: null,
  sourceRow: null,
  bytes: 7,
};

describe('COPY text encoding', () => {
  it('escapes exactly the characters with a meaning in COPY text format', () => {
    expect(escapeCopyText('plain "quoted" ünïcode')).toBe('plain "quoted" ünïcode');
    expect(escapeCopyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(escapeCopyText('\\N')).toBe('\\\\N'); // data, not NULL
    expect(escapeCopyText('\\.')).toBe('\\\\.'); // data, not end-of-data
  });

  it('writes one tab-separated line per row, NULL as \\N', () => {
    expect(
      encodeCopyRows([
        row,
        {
          ...row,
          key: 'k\t1',
          kafkaTimestamp: '2024-05-01T12:00:00.000Z',
          sourceFile: 'in\\box.csv',
          sourceRow: 42,
        },
      ]).toString('utf8'),
    ).toBe(
      '1\t9007199254740993\t\\N\t{"a":1}\t5\t6\tCOMPLETE\t2018-01-31T22:56:00.000Z\t2024-05-01T12:00:00.000Z\t\\N\t\\N\t\\N\n' +
        '1\t9007199254740993\tk\\t1\t{"a":1}\t5\t6\tCOMPLETE\t2018-01-31T22:56:00.000Z\t2024-05-01T12:00:00.000Z\t2024-05-01T12:00:00.000Z\tin\\\\box.csv\t42\n',
    );
  });

  it('passes a payload through as its bytes, escaping one only where COPY would misread it', () => {
    const payloads = ['{"city":"Zürich","n":1}', '{"q":"say \\"hi\\""}', '{\n\t"a": 1\r\n}'];
    const text = encodeCopyRows(
      payloads.map((payload) => ({ ...row, payload: Buffer.from(payload) })),
      'cluster\ttopic\t',
    ).toString('utf8');
    expect(
      text
        .split('\n')
        .slice(0, -1)
        .map((line) => line.split('\t')[5]),
    ).toEqual(['{"city":"Zürich","n":1}', '{"q":"say \\\\"hi\\\\""}', '{\\n\\t"a": 1\\r\\n}']);
  });

  it('writes keys, file names and leading columns of any script as UTF-8', () => {
    const text = encodeCopyRows(
      [{ ...row, key: 'ключ-🔑', sourceFile: 'données/über\t𝄞.csv', sourceRow: 7 }],
      'クラスタ\t話題\t',
    ).toString('utf8');
    expect(text).toBe(
      'クラスタ\t話題\t1\t9007199254740993\tключ-🔑\t{"a":1}\t5\t6\tCOMPLETE\t' +
        '2018-01-31T22:56:00.000Z\t2024-05-01T12:00:00.000Z\t\\N\tdonnées/über\\t𝄞.csv\t7\n',
    );
  });
});
