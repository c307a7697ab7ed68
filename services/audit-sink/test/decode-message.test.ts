import { describe, expect, it } from 'vitest';
import { decodeMessage, isIsoTimestamp, type RawMessage } from '../src/decode-message.js';
import { orderItemEvents } from './support/order-item-events.js';

const event = orderItemEvents(1)[0]!;

function message(value: string | Buffer | null, key: string | Buffer | null = '7'): RawMessage {
  return {
    key: typeof key === 'string' ? Buffer.from(key) : key,
    value: typeof value === 'string' ? Buffer.from(value) : value,
    offset: '42',
    timestamp: '1714564800000',
  };
}

function rejectionOf(value: string | Buffer | null, key?: string | Buffer | null) {
  const result = decodeMessage(message(value, key), 0);
  if (result.ok) throw new Error('expected a rejection');
  return result.rejection;
}

const withFields = (patch: Record<string, unknown>) => JSON.stringify({ ...event, ...patch });

describe('decodeMessage', () => {
  it('turns an OrderItemEvent into a row, keeping the value text as it came', () => {
    const text = JSON.stringify(event, null, 2); // whitespace and newlines kept verbatim
    const result = decodeMessage(message(text), 2);
    expect(result).toEqual({
      ok: true,
      row: {
        partition: 2,
        offset: '42',
        key: '7',
        payload: Buffer.from(text),
        orderItemId: event.order_item_id,
        orderId: event.order_id,
        orderStatus: event.order_status,
        orderDate: event.order_date,
        ingestedAt: event.ingested_at,
        kafkaTimestamp: '2024-05-01T12:00:00.000Z',
        sourceFile: event.source.file,
        sourceRow: event.source.row,
        bytes: Buffer.byteLength(text),
      },
    });
  });

  it('keeps a missing key and a missing timestamp as null', () => {
    const result = decodeMessage({ ...message(JSON.stringify(event), null), timestamp: '-1' }, 0);
    expect(result.ok && result.row.key).toBeNull();
    expect(result.ok && result.row.kafkaTimestamp).toBeNull();
  });

  it('keeps an event without a source position, with null source columns', () => {
    const result = decodeMessage(message(withFields({ source: undefined })), 0);
    expect(result.ok && [result.row.sourceFile, result.row.sourceRow]).toEqual([null, null]);
  });

  it.each([
    [null, 'LS_AUDIT_EMPTY_VALUE', 'the message has no value'],
    ['', 'LS_AUDIT_EMPTY_VALUE', 'the message has no value'],
    [Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'LS_AUDIT_NOT_UTF8', 'the value is not valid UTF-8'],
    ['{"order_item_id": 1', 'LS_AUDIT_NOT_JSON', /^the value is not JSON: /],
    ['"a string"', 'LS_AUDIT_NOT_OBJECT', 'the value is string, not a JSON object'],
    ['null', 'LS_AUDIT_NOT_OBJECT', 'the value is null, not a JSON object'],
    ['[{}]', 'LS_AUDIT_NOT_OBJECT', 'the value is an array, not a JSON object'],
    ['{}', 'LS_AUDIT_SCHEMA_VERSION', 'schema_version is missing'],
    [
      withFields({ schema_version: 2 }),
      'LS_AUDIT_SCHEMA_VERSION',
      'schema_version 2 is not supported (expected 1)',
    ],
    [
      withFields({ schema_version: '1' }),
      'LS_AUDIT_SCHEMA_VERSION',
      'schema_version "1" is not supported (expected 1)',
    ],
    [withFields({ order_item_id: null }), 'LS_AUDIT_MISSING_FIELD', 'order_item_id is missing'],
    [
      withFields({ order_item_id: '12' }),
      'LS_AUDIT_INVALID_FIELD',
      'order_item_id is "12", expected an integer',
    ],
    [
      withFields({ order_item_id: 1.5 }),
      'LS_AUDIT_INVALID_FIELD',
      'order_item_id is 1.5, expected an integer',
    ],
    [withFields({ order_item_id: 2 ** 53 }), 'LS_AUDIT_INVALID_FIELD', /expected an integer/],
    [withFields({ order_id: undefined }), 'LS_AUDIT_MISSING_FIELD', 'order_id is missing'],
    [
      withFields({ order_status: '' }),
      'LS_AUDIT_INVALID_FIELD',
      'order_status is "", expected a non-empty string',
    ],
    [withFields({ order_status: 3 }), 'LS_AUDIT_INVALID_FIELD', /order_status is 3/],
    [
      withFields({ order_date: '1/31/2018 22:56' }),
      'LS_AUDIT_INVALID_FIELD',
      /^order_date is "1\/31\/2018 22:56", expected an ISO-8601 timestamp/,
    ],
    [withFields({ ingested_at: undefined }), 'LS_AUDIT_MISSING_FIELD', 'ingested_at is missing'],
    [withFields({ customer_fname: 'a\u0000b' }), 'LS_AUDIT_UNSUPPORTED_JSON', /\\u0000/],
    [
      withFields({ customer_fname: 'half \ud800 pair' }),
      'LS_AUDIT_UNSUPPORTED_JSON',
      /unpaired surrogate/,
    ],
    [withFields({ 'key\u0000': 1 }), 'LS_AUDIT_UNSUPPORTED_JSON', /\\u0000/],
    [
      withFields({ source: 'file.csv:3' }),
      'LS_AUDIT_INVALID_FIELD',
      'source is "file.csv:3", expected an object { file, row }',
    ],
    [
      withFields({ source: { file: '', row: 3 } }),
      'LS_AUDIT_INVALID_FIELD',
      'source.file is "", expected a non-empty string',
    ],
    [
      withFields({ source: { file: 'f.csv', row: '3' } }),
      'LS_AUDIT_INVALID_FIELD',
      'source.row is "3", expected a non-negative integer',
    ],
  ])('rejects %j as %s', (value, code, reason) => {
    const rejection = rejectionOf(value);
    expect(rejection.code).toBe(code);
    if (typeof reason === 'string') expect(rejection.reason).toBe(reason);
    else expect(rejection.reason).toMatch(reason);
  });

  it('checks every timestamp that differs from the last valid one of its field', () => {
    // Accepted, then remembered: a repeat is not checked again, anything else still is.
    expect(decodeMessage(message(withFields({ order_date: '2018-02-28T10:00:00Z' })), 0).ok).toBe(
      true,
    );
    expect(decodeMessage(message(withFields({ order_date: '2018-02-28T10:00:00Z' })), 0).ok).toBe(
      true,
    );
    expect(rejectionOf(withFields({ order_date: '2018-02-30T10:00:00Z' })).code).toBe(
      'LS_AUDIT_INVALID_FIELD',
    );
    expect(decodeMessage(message(withFields({ order_date: '2018-02-28T10:00:00Z' })), 0).ok).toBe(
      true,
    );
  });

  it('accepts escapes jsonb can hold: paired surrogates, escaped backslashes', () => {
    const text = withFields({ customer_fname: 'emoji 😀 and \\u0000 as text' });
    expect(text).toContain('\\\\u0000');
    expect(decodeMessage(message(text), 0).ok).toBe(true);
    expect(
      decodeMessage(
        message(withFields({ customer_fname: '😀' }).replace('😀', '\\ud83d\\ude00')),
        0,
      ).ok,
    ).toBe(true);
  });

  it('rejects a key that is not UTF-8 text or holds NUL', () => {
    const value = JSON.stringify(event);
    expect(rejectionOf(value, Buffer.from([0xff])).code).toBe('LS_AUDIT_INVALID_KEY');
    expect(rejectionOf(value, Buffer.from('a\u0000b')).code).toBe('LS_AUDIT_INVALID_KEY');
  });
});

describe('isIsoTimestamp', () => {
  it.each([
    '2018-01-31T22:56:00.000Z',
    '2018-01-31T22:56Z',
    '2018-01-31T22:56:00+02:00',
    '2018-01-31T22:56:00.123456-0530',
    '2016-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
  ])('accepts %s', (text) => {
    expect(isIsoTimestamp(text)).toBe(true);
  });

  it.each([
    '2018-01-31',
    '2018-01-31T22:56:00', // no zone: ambiguous
    '2018-02-30T00:00:00Z', // JavaScript would roll it over to March 2
    '2019-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2018-13-01T00:00:00Z',
    '2018-01-31T24:00:00Z',
    '2018-01-31T23:60:00Z',
    '0000-01-01T00:00:00Z',
    '2018-01-31T22:56:00.1234567Z', // finer than PostgreSQL keeps
    '1/31/2018 22:56',
  ])('rejects %s', (text) => {
    expect(isIsoTimestamp(text)).toBe(false);
  });
});
