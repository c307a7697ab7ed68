/**
 * Bad export input as dead letters on the quarantine topic: one DeadLetterRecord per bad record
 * (source kind `export`: file, byte offset, path), its main reason one of the quality codes.
 */
import { buildDeadLetter, type DeadLetterRecord, deadLetterHeaders } from '@lakestream/lake';
import type { BadExportRecord, BadExportRecordClass } from '../managed-export/index.js';
import type { QualityErrorCode } from './errors.js';
import type { OutgoingRecord } from './publisher.js';

/** The `component` of the backfill's dead letters. */
export const BACKFILL_COMPONENT = 'firestore-backfill';

/** Longest raw record kept in a dead letter; the rest is cut (raw_truncated, raw_bytes say so). */
export const MAX_RAW_BYTES = 64 * 1024;

/** The quality code of each class of bad record the reader reports. */
export const READER_CLASS_CODES: Readonly<Record<BadExportRecordClass, QualityErrorCode>> = {
  crc_mismatch: 'LS_QUALITY_EXPORT_CRC_MISMATCH',
  truncated: 'LS_QUALITY_EXPORT_TRUNCATED',
  unknown_property_type: 'LS_QUALITY_EXPORT_UNKNOWN_PROPERTY_TYPE',
  bad_entity: 'LS_QUALITY_EXPORT_BAD_ENTITY',
};

/** One bad input, wherever it was found (the reader or the mapping). */
export interface BadInput {
  code: QualityErrorCode;
  message: string;
  /** The offending field (`metrics.gaps`), null when about the record as a whole. */
  field: string | null;
  file: string;
  offset: number;
  path: string | null;
  raw: Buffer | string | null;
}

/** A bad record of the reader as bad input. */
export function fromReader(bad: BadExportRecord): BadInput {
  return {
    code: READER_CLASS_CODES[bad.class],
    message: bad.message,
    field: null,
    file: bad.file,
    offset: bad.offset,
    path: bad.path,
    raw: bad.raw,
  };
}

/** The dead letter of a bad input. */
export function deadLetterOf(bad: BadInput, failedAt = new Date()): DeadLetterRecord {
  const bytes = bad.raw === null ? null : Buffer.from(bad.raw);
  const cut = bytes !== null && bytes.length > MAX_RAW_BYTES;
  return buildDeadLetter({
    component: BACKFILL_COMPONENT,
    reasons: [{ code: bad.code, message: bad.message, column: bad.field, value: null }],
    raw: bytes === null ? null : cut ? bytes.subarray(0, MAX_RAW_BYTES) : bytes,
    ...(bytes === null ? {} : { rawBytes: bytes.length, rawTruncated: cut }),
    source: { kind: 'export', file: bad.file, offset: bad.offset, path: bad.path },
    failedAt,
  });
}

/** The Kafka record of a dead letter: keyed by `file:offset`, so a re-run's letter shares its key. */
export function quarantineRecord(letter: DeadLetterRecord): OutgoingRecord {
  const source = letter.source as Extract<DeadLetterRecord['source'], { kind: 'export' }>;
  return {
    key: `${source.file}:${source.offset}`,
    value: JSON.stringify(letter),
    headers: deadLetterHeaders(letter),
  };
}
