import { describe, expect, it } from 'vitest';
import {
  buildDeadLetter,
  DeadLetterRecordSchema,
  deadLetterHeaders,
  MAX_REASON_VALUE_CHARS,
  parseDeadLetter,
} from '../src/index.js';

const failedAt = new Date('2024-05-01T12:00:00.000Z');
const reason = { code: 'LS_AUDIT_NOT_JSON', message: 'not JSON', column: null, value: null };
const topicSource = { kind: 'topic', topic: 't', partition: 2, offset: '41' } as const;

describe('dead-letter record', () => {
  it('builds one versioned shape for a CSV row', () => {
    const record = buildDeadLetter({
      component: 'producer',
      reasons: [
        {
          code: 'LS_SCHEMA_INTEGER',
          message: 'expected an integer',
          column: 'Order Id',
          value: 'x'.repeat(5000),
        },
        { code: 'LS_SCHEMA_REQUIRED', message: 'missing', column: 'Type', value: '' },
      ],
      raw: 'DEBIT,x',
      rawBytes: 9,
      rawTruncated: true,
      source: { kind: 'file', file: 'a.csv', row: 7, encoding: 'latin1' },
      failedAt,
    });
    expect(DeadLetterRecordSchema.parse(record)).toEqual(record);
    expect(record).toMatchObject({
      dlq_version: 1,
      component: 'producer',
      failed_at: '2024-05-01T12:00:00.000Z',
      raw: 'DEBIT,x',
      raw_encoding: 'utf8',
      raw_bytes: 9,
      raw_truncated: true,
    });
    expect(record.reasons[0]!.value).toBe(`${'x'.repeat(MAX_REASON_VALUE_CHARS)}…`);
    expect(record.reasons[1]!.value).toBe('');
    expect(deadLetterHeaders(record)).toEqual({
      'lakestream-dlq-version': '1',
      'lakestream-error-code': 'LS_SCHEMA_INTEGER',
      'lakestream-source-file': 'a.csv',
      'lakestream-source-row': '7',
      'lakestream-component': 'producer',
    });
  });

  it('keeps message bytes as text when UTF-8, else base64, and no value as null', () => {
    const letter = (raw: Buffer | null) =>
      buildDeadLetter({ component: 'audit-sink', reasons: [reason], raw, source: topicSource });
    const bytes = Buffer.from([0x7b, 0xff, 0x00]);
    expect(letter(bytes)).toMatchObject({
      raw: bytes.toString('base64'),
      raw_encoding: 'base64',
      raw_bytes: 3,
    });
    expect(letter(Buffer.from('héllo'))).toMatchObject({
      raw: 'héllo',
      raw_encoding: 'utf8',
      raw_bytes: 6,
    });
    expect(letter(null)).toMatchObject({ raw: null, raw_bytes: 0, raw_truncated: false });
    const record = letter(bytes);
    expect(parseDeadLetter(JSON.stringify(record))).toEqual(record);
    expect(deadLetterHeaders(record)).toEqual({
      'lakestream-dlq-version': '1',
      'lakestream-error-code': 'LS_AUDIT_NOT_JSON',
      'lakestream-source-topic': 't',
      'lakestream-source-partition': '2',
      'lakestream-source-offset': '41',
      'lakestream-component': 'audit-sink',
    });
  });

  it('refuses a record without a reason, and either old shape', () => {
    expect(() =>
      buildDeadLetter({ component: 'x', reasons: [], raw: null, source: topicSource }),
    ).toThrow(RangeError);
    // The audit sink's shape before the one record.
    const auditBefore = {
      code: 'LS_AUDIT_NOT_JSON',
      reason: 'not JSON',
      source: { topic: 't', partition: 2, offset: '41' },
      raw: 'x',
      raw_encoding: 'utf8',
      failed_at: failedAt.toISOString(),
      component: 'audit-sink',
    };
    expect(DeadLetterRecordSchema.safeParse(auditBefore).success).toBe(false);
    // The producer's.
    const producerBefore = {
      dead_letter_version: 1,
      reason: 'r',
      reasons: ['r'],
      problems: [],
      raw: 'x',
      raw_bytes: 1,
      raw_truncated: false,
      source: { file: 'a.csv', row: 7 },
      encoding: 'latin1',
      failed_at: failedAt.toISOString(),
      component: 'producer',
    };
    expect(DeadLetterRecordSchema.safeParse(producerBefore).success).toBe(false);
  });
});
