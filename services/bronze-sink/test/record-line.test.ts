import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type BronzeRecord, createLineEncoder, lineText, recordValueBytes } from '../src/index.js';

function message(partial: Partial<KafkaMessage> & { value: Buffer | null }): KafkaMessage {
  return {
    key: Buffer.from('k'),
    timestamp: String(Date.UTC(2018, 0, 31, 22, 5)),
    attributes: 0,
    offset: '7',
    headers: {},
    ...partial,
  } as KafkaMessage;
}

const encode = createLineEncoder('orders', 3);
const decode = (m: KafkaMessage) => {
  const encoded = encode(m);
  const line = lineText(encoded);
  expect(Buffer.byteLength(line)).toBe(encoded.bytes);
  expect(line.endsWith('\n')).toBe(true);
  expect(line.indexOf('\n')).toBe(line.length - 1);
  return JSON.parse(line) as BronzeRecord;
};

describe('record lines', () => {
  it('holds the coordinates and a JSON value as the value itself', () => {
    const record = decode(message({ value: Buffer.from('{"order_id":1,"city":"México"}') }));
    expect(record).toEqual({
      topic: 'orders',
      partition: 3,
      offset: 7,
      timestamp: '2018-01-31T22:05:00.000Z',
      key: 'k',
      headers: {},
      value_encoding: 'json',
      value: { order_id: 1, city: 'México' },
    });
  });

  it('embeds JSON text as written: numbers keep every digit', () => {
    const line = lineText(
      encode(message({ value: Buffer.from('{"big":12345678901234567890123,"price":1.10}') })),
    );
    expect(line).toContain('"value":{"big":12345678901234567890123,"price":1.10}}');
  });

  it('compacts JSON spanning several lines or wrapped in blanks, since a record is one line', () => {
    const record = decode(message({ value: Buffer.from('{\n  "a": [1,\r\n 2]\n}\n') }));
    expect(record.value).toEqual({ a: [1, 2] });
    expect(lineText(encode(message({ value: Buffer.from(' {"a": 1}\t') })))).toContain(
      '"value":{"a":1}}',
    );
    expect(decode(message({ value: Buffer.from('{"city":"Bogotá","s":"a\\nb"}') })).value).toEqual({
      city: 'Bogotá',
      s: 'a\nb',
    });
  });

  it('keeps non-JSON text as a string, other bytes as base64, and a tombstone as null', () => {
    expect(decode(message({ value: Buffer.from('plain, text') }))).toMatchObject({
      value_encoding: 'utf8',
      value: 'plain, text',
    });
    expect(decode(message({ value: Buffer.from('{broken') }))).toMatchObject({
      value_encoding: 'utf8',
      value: '{broken',
    });
    expect(decode(message({ value: Buffer.from('"a json string"') }))).toMatchObject({
      value_encoding: 'json',
      value: 'a json string',
    });
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    expect(decode(message({ value: binary }))).toMatchObject({
      value_encoding: 'base64',
      value: binary.toString('base64'),
    });
    expect(decode(message({ value: null }))).toMatchObject({ value_encoding: null, value: null });
  });

  it('gives back the message bytes', () => {
    for (const value of [
      Buffer.from('{"a":1}'),
      Buffer.from('text'),
      Buffer.from([0xc3, 0x28]),
      null,
    ]) {
      expect(recordValueBytes(decode(message({ value })))).toEqual(value);
    }
  });

  it('keeps keys and headers', () => {
    expect(decode(message({ key: null, value: null })).key).toBeNull();
    expect(decode(message({ key: Buffer.from([0xff]), value: null }))).toMatchObject({
      key: '/w==',
      key_encoding: 'base64',
    });
    const headers = {
      source: Buffer.from('csv'),
      trace: [Buffer.from('a'), Buffer.from('b')],
      gone: undefined,
    };
    expect(decode(message({ value: null, headers })).headers).toEqual({
      source: 'csv',
      trace: ['a', 'b'],
    });
  });

  it('reports the offset and timestamp it encoded, clamping an impossible timestamp', () => {
    expect(encode(message({ value: null, offset: '12' }))).toMatchObject({
      offset: 12,
      timestampMs: Date.UTC(2018, 0, 31, 22, 5),
    });
    expect(encode(message({ value: null, timestamp: '-1' })).timestampMs).toBe(-1);
    expect(encode(message({ value: null, timestamp: '99999999999999999' })).timestampMs).toBe(0);
    expect(() => encode(message({ value: null, offset: '9007199254740993' }))).toThrow(
      expect.objectContaining({ code: 'LS_BRONZE_OFFSET_RANGE' }),
    );
  });
});
