import { isUtf8 } from 'node:buffer';
import { SCHEMA_VERSION } from '@lakestream/schema';

/** The parts of a Kafka message the sink reads (kafkajs' `KafkaMessage` fits). */
export interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  /** Milliseconds since the epoch, as a string; negative when the broker has none. */
  timestamp: string;
}

/** One row of `order_item_events`, ready to be copied. */
export interface AuditRow {
  partition: number;
  /** The Kafka offset (decimal string: offsets are 64-bit). */
  offset: string;
  key: string | null;
  /** The message value as received: valid UTF-8 JSON text. */
  payload: Buffer;
  orderItemId: number;
  orderId: number;
  orderStatus: string;
  /** ISO-8601 text as in the event (validated; PostgreSQL parses it). */
  orderDate: string;
  ingestedAt: string;
  /** ISO-8601 UTC, or null when the message has no timestamp. */
  kafkaTimestamp: string | null;
  /** The producer's source position (`source.file`, `source.row`); null when the event has none. */
  sourceFile: string | null;
  sourceRow: number | null;
  /** Size of the value in bytes. */
  bytes: number;
}

/** Why a message cannot be stored; a closed list, used as DLQ code and metric label. */
export type RejectionCode =
  /** No value (a tombstone) or an empty one. */
  | 'LS_AUDIT_EMPTY_VALUE'
  /** The value is not valid UTF-8, so it cannot be JSON. */
  | 'LS_AUDIT_NOT_UTF8'
  /** The value does not parse as JSON. */
  | 'LS_AUDIT_NOT_JSON'
  /** The JSON is not an object (array, string, number, null). */
  | 'LS_AUDIT_NOT_OBJECT'
  /** `schema_version` is missing or not one this sink reads. */
  | 'LS_AUDIT_SCHEMA_VERSION'
  /** A field the table needs is missing or null. */
  | 'LS_AUDIT_MISSING_FIELD'
  /** A field the table needs has the wrong type or format. */
  | 'LS_AUDIT_INVALID_FIELD'
  /** Valid JSON that PostgreSQL's jsonb cannot hold (`\u0000`, an unpaired surrogate). */
  | 'LS_AUDIT_UNSUPPORTED_JSON'
  /** The key is not UTF-8 text without NUL characters. */
  | 'LS_AUDIT_INVALID_KEY'
  /** PostgreSQL refused the row with a data error the checks above did not foresee. */
  | 'LS_AUDIT_REJECTED_BY_POSTGRES';

/** Why one message was rejected. */
export interface Rejection {
  code: RejectionCode;
  /** One line for people, e.g. `schema_version 99 is not supported (expected 1)`. */
  reason: string;
}

/** The outcome of decoding one message. */
export type DecodeResult = { ok: true; row: AuditRow } | { ok: false; rejection: Rejection };

/** A failed `DecodeResult`. */
type Rejected = Extract<DecodeResult, { ok: false }>;

const reject = (code: RejectionCode, reason: string): Rejected => ({
  ok: false,
  rejection: { code, reason },
});

/**
 * Turns a Kafka message into a row of the audit table, or says why it cannot be one.
 *
 * The checks are exactly what storing the message faithfully needs – the value is a JSON object
 * PostgreSQL's jsonb accepts, of a schema version this sink knows, with the fields behind the
 * typed columns present and castable – and no more: whether an order status is one of the known
 * values, say, is the silver layer's business, while the audit table records what was sent.
 */
export function decodeMessage(message: RawMessage, partition: number): DecodeResult {
  const { value } = message;
  if (value === null || value.length === 0) {
    return reject('LS_AUDIT_EMPTY_VALUE', 'the message has no value');
  }
  let key: string | null = null;
  if (message.key !== null) {
    if (!isUtf8(message.key) || message.key.includes(0)) {
      return reject('LS_AUDIT_INVALID_KEY', 'the key is not UTF-8 text without NUL characters');
    }
    key = message.key.toString('utf8');
  }
  if (!isUtf8(value)) return reject('LS_AUDIT_NOT_UTF8', 'the value is not valid UTF-8');
  const text = value.toString('utf8');
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (err) {
    return reject('LS_AUDIT_NOT_JSON', `the value is not JSON: ${(err as Error).message}`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    const kind = event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event;
    return reject('LS_AUDIT_NOT_OBJECT', `the value is ${kind}, not a JSON object`);
  }
  const fields = event as Record<string, unknown>;
  const version = fields.schema_version;
  if (version === undefined || version === null) {
    return reject('LS_AUDIT_SCHEMA_VERSION', 'schema_version is missing');
  }
  if (version !== SCHEMA_VERSION) {
    return reject(
      'LS_AUDIT_SCHEMA_VERSION',
      `schema_version ${JSON.stringify(version)} is not supported (expected ${SCHEMA_VERSION})`,
    );
  }
  // Escapes are the only way JSON text can spell what jsonb refuses; skip the walk without them.
  if (text.includes('\\u') && !jsonbCompatible(event)) {
    return reject(
      'LS_AUDIT_UNSUPPORTED_JSON',
      'the value holds \\u0000 or an unpaired surrogate, which PostgreSQL jsonb cannot store',
    );
  }

  const orderItemId = integerField(fields, 'order_item_id');
  if (typeof orderItemId !== 'number') return orderItemId;
  const orderId = integerField(fields, 'order_id');
  if (typeof orderId !== 'number') return orderId;
  const orderStatus = fields.order_status;
  if (orderStatus === undefined || orderStatus === null) return missing('order_status');
  if (typeof orderStatus !== 'string' || orderStatus.length === 0) {
    return invalid('order_status', orderStatus, 'a non-empty string');
  }
  const orderDate = timestampField(fields, 'order_date');
  if (typeof orderDate !== 'string') return orderDate;
  const ingestedAt = timestampField(fields, 'ingested_at');
  if (typeof ingestedAt !== 'string') return ingestedAt;
  const source = sourceField(fields.source);
  if ('ok' in source) return source;

  const timestampMs = Number(message.timestamp);
  return {
    ok: true,
    row: {
      partition,
      offset: message.offset,
      key,
      payload: value,
      orderItemId,
      orderId,
      orderStatus,
      orderDate,
      ingestedAt,
      kafkaTimestamp:
        Number.isFinite(timestampMs) && timestampMs >= 0
          ? new Date(timestampMs).toISOString()
          : null,
      sourceFile: source.file,
      sourceRow: source.row,
      bytes: value.length,
    },
  };
}

function missing(field: string): Rejected {
  return reject('LS_AUDIT_MISSING_FIELD', `${field} is missing`);
}

function invalid(field: string, value: unknown, expected: string): Rejected {
  const shown = JSON.stringify(value) ?? String(value);
  const cut = shown.length > 60 ? `${shown.slice(0, 60)}…` : shown;
  return reject('LS_AUDIT_INVALID_FIELD', `${field} is ${cut}, expected ${expected}`);
}

function integerField(fields: Record<string, unknown>, field: string): number | DecodeResult {
  const value = fields[field];
  if (value === undefined || value === null) return missing(field);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return invalid(field, value, 'an integer');
  }
  return value;
}

/**
 * The source position that makes a producer's resend recognisable (same file and row, new
 * offset). Absent is allowed – a message from another writer has none, and the columns are then
 * NULL – but a malformed one is refused: it would silently hide resends.
 */
function sourceField(value: unknown): { file: string | null; row: number | null } | Rejected {
  if (value === undefined || value === null) return { file: null, row: null };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return invalid('source', value, 'an object { file, row }');
  }
  const { file, row } = value as Record<string, unknown>;
  if (typeof file !== 'string' || file.length === 0) {
    return invalid('source.file', file, 'a non-empty string');
  }
  if (typeof row !== 'number' || !Number.isSafeInteger(row) || row < 0) {
    return invalid('source.row', row, 'a non-negative integer');
  }
  return { file, row };
}

/** The timestamp fields of the table, and the last value of each found valid. */
const lastValidTimestamp: Record<'order_date' | 'ingested_at', string | undefined> = {
  order_date: undefined,
  ingested_at: undefined,
};

function timestampField(
  fields: Record<string, unknown>,
  field: keyof typeof lastValidTimestamp,
): string | DecodeResult {
  const value = fields[field];
  if (value === undefined || value === null) return missing(field);
  // The items of one order share its date, and one producer read stamps many rows alike: most
  // messages repeat the previous one's timestamps, which need not be checked again.
  if (typeof value === 'string' && value === lastValidTimestamp[field]) return value;
  if (typeof value !== 'string' || !isIsoTimestamp(value)) {
    return invalid(
      field,
      value,
      'an ISO-8601 timestamp with a zone, e.g. 2018-01-31T22:56:00.000Z',
    );
  }
  lastValidTimestamp[field] = value;
  return value;
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/**
 * True for an ISO-8601 date-time with a zone whose fields are a real calendar time: JavaScript
 * would roll `2018-02-30` over into March and PostgreSQL would refuse it, so neither judges alone.
 * At most microseconds, PostgreSQL's precision, so nothing is silently rounded.
 */
export function isIsoTimestamp(text: string): boolean {
  const m = ISO_TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second = 0] = m
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  const offsetHours = Number(m[7] ?? 0);
  const offsetMinutes = Number(m[8] ?? 0);
  return (
    year! >= 1 &&
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth(year!, month!) &&
    hour! <= 23 &&
    minute! <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False when a string (or key) anywhere in the value holds NUL or an unpaired surrogate. */
function jsonbCompatible(value: unknown): boolean {
  if (typeof value === 'string') {
    return !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value);
  }
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(jsonbCompatible);
  for (const [key, inner] of Object.entries(value)) {
    if (!jsonbCompatible(key) || !jsonbCompatible(inner)) return false;
  }
  return true;
}
