import { DeadLetterRecordSchema } from '@lakestream/lake';
import { describe, expect, it } from 'vitest';
import { deadLetterRecord } from '../src/dead-letter.js';

const failedAt = new Date('2024-05-01T12:00:00.000Z');

describe('deadLetterRecord', () => {
  it('writes the lake dead-letter record: the reason, the source position and the raw value, in the body and the headers', () => {
    const record = deadLetterRecord(
      {
        topic: 'lakestream.order_items.v1',
        partition: 2,
        message: {
          key: Buffer.from('77202'),
          value: Buffer.from('not json'),
          offset: '41',
          timestamp: '0',
        },
        rejection: { code: 'LS_AUDIT_NOT_JSON', reason: 'the value is not JSON: Unexpected token' },
      },
      failedAt,
    );
    expect(record.key).toEqual(Buffer.from('77202'));
    const body = JSON.parse(record.value as string);
    expect(DeadLetterRecordSchema.parse(body)).toEqual(body);
    expect(body).toEqual({
      dlq_version: 1,
      component: 'audit-sink',
      failed_at: '2024-05-01T12:00:00.000Z',
      reasons: [
        {
          code: 'LS_AUDIT_NOT_JSON',
          message: 'the value is not JSON: Unexpected token',
          column: null,
          value: null,
        },
      ],
      raw: 'not json',
      raw_encoding: 'utf8',
      raw_bytes: 8,
      raw_truncated: false,
      source: { kind: 'topic', topic: 'lakestream.order_items.v1', partition: 2, offset: '41' },
    });
    expect(record.headers).toEqual({
      'lakestream-dlq-version': '1',
      'lakestream-error-code': 'LS_AUDIT_NOT_JSON',
      'lakestream-source-topic': 'lakestream.order_items.v1',
      'lakestream-source-partition': '2',
      'lakestream-source-offset': '41',
      'lakestream-component': 'audit-sink',
    });
  });

  it('keeps bytes that are not UTF-8 as base64, and a missing value as null', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x00]);
    const letter = (value: Buffer | null) =>
      DeadLetterRecordSchema.parse(
        JSON.parse(
          deadLetterRecord(
            {
              topic: 't',
              partition: 0,
              message: { key: null, value, offset: '0', timestamp: '0' },
              rejection: { code: 'LS_AUDIT_NOT_UTF8', reason: 'r' },
            },
            failedAt,
          ).value as string,
        ),
      );
    expect(letter(bytes)).toMatchObject({ raw: bytes.toString('base64'), raw_encoding: 'base64' });
    expect(letter(null)).toMatchObject({ raw: null });
  });
});
