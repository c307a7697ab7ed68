import { isUtf8 } from 'node:buffer';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { BronzeSinkError } from './errors.js';
import { isJsonText } from './json-text.js';

/**
 * How a record's `value` holds the message bytes:
 * `json` – the bytes were UTF-8 JSON and `value` is that JSON value itself (embedded as written,
 * or compacted when the text spanned lines); `utf8` – UTF-8 text that is not JSON, as a string;
 * `base64` – anything else, base64-encoded; `null` – a tombstone (no value at all).
 */
export type ValueEncoding = 'json' | 'utf8' | 'base64' | null;

/**
 * One line of a bronze object: the Kafka record as it was, with its coordinates. The sink knows
 * nothing of the payload's shape; the silver layer does.
 */
export interface BronzeRecord {
  topic: string;
  partition: number;
  offset: number;
  /** The record's Kafka timestamp (CreateTime or LogAppendTime), ISO 8601 UTC. */
  timestamp: string;
  /** The key as UTF-8 text, or base64 when `key_encoding` says so; null when absent. */
  key: string | null;
  /** Present (`base64`) only for a key that is not valid UTF-8. */
  key_encoding?: 'base64';
  /** Headers as UTF-8 text; a header repeated under one name becomes an array. */
  headers: Record<string, string | string[]>;
  value_encoding: ValueEncoding;
  value: unknown;
}

/**
 * A record encoded as one JSON line: `head` (everything up to the value) + `body` (the value) +
 * `}\n`. The body is the message's own bytes whenever they can go in as they are, so the value
 * is neither decoded into a string nor re-encoded on its way into the object.
 */
export interface EncodedLine {
  head: string;
  body: Buffer | string;
  /** UTF-8 length of the whole line, newline included. */
  bytes: number;
  offset: number;
  timestampMs: number;
}

/** The line as text (tests, tools; the sink itself writes `head` and `body` as they are). */
export function lineText(encoded: EncodedLine): string {
  return `${encoded.head}${typeof encoded.body === 'string' ? encoded.body : encoded.body.toString('utf8')}}\n`;
}

// Dates outside ±8.64e15 ms cannot be represented; such a timestamp is clamped to the epoch.
const MAX_DATE_MS = 8.64e15;
// A JSON text starts with one of these bytes (after whitespace); anything else skips the parse.
const JSON_START = new Set([...'{["-0123456789tfn'].map((c) => c.charCodeAt(0)));
const isJsonSpace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

function firstNonSpace(value: Buffer): number | undefined {
  for (let i = 0; i < value.length; i++) if (!isJsonSpace(value[i])) return value[i];
  return undefined;
}

const JSON_VALUE = '"value_encoding":"json","value":';

/** The value part of a line: the `"value_encoding":…,"value":` prefix and the value itself. */
function encodeValue(value: Buffer | null): { prefix: string; body: Buffer | string } {
  if (value === null) return { prefix: '"value_encoding":null,"value":', body: 'null' };
  if (!isUtf8(value)) {
    return {
      prefix: '"value_encoding":"base64","value":',
      body: JSON.stringify(value.toString('base64')),
    };
  }
  const first = firstNonSpace(value);
  // Validated on the bytes, without decoding or building the value (see json-text.ts).
  if (first !== undefined && JSON_START.has(first) && isJsonText(value)) {
    // Valid JSON goes in as written (so numbers keep their exact digits) when it is one line
    // without surrounding blanks – the common case; otherwise it is compacted.
    const oneLine = value.indexOf(0x0a) < 0 && value.indexOf(0x0d) < 0;
    const trimmed = !isJsonSpace(value[0]) && !isJsonSpace(value[value.length - 1]);
    const body = oneLine && trimmed ? value : JSON.stringify(JSON.parse(value.toString('utf8')));
    return { prefix: JSON_VALUE, body };
  }
  return {
    prefix: '"value_encoding":"utf8","value":',
    body: JSON.stringify(value.toString('utf8')),
  };
}

function encodeHeaders(headers: IHeaders | undefined): string {
  if (headers === undefined) return '{}';
  let out: Record<string, string | string[]> | undefined;
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined) continue;
    out ??= {};
    out[name] = Array.isArray(raw) ? raw.map((v) => v.toString()) : raw.toString();
  }
  return out === undefined ? '{}' : JSON.stringify(out);
}

function encodeKey(key: Buffer | null | undefined): string {
  if (key === null || key === undefined) return '"key":null';
  if (isUtf8(key)) return `"key":${JSON.stringify(key.toString('utf8'))}`;
  return `"key":${JSON.stringify(key.toString('base64'))},"key_encoding":"base64"`;
}

/** Parses a Kafka offset, refusing one a JavaScript number cannot hold exactly. */
export function parseOffset(offset: string): number {
  const value = Number(offset);
  if (!Number.isSafeInteger(value)) {
    throw new BronzeSinkError('LS_BRONZE_OFFSET_RANGE', `offset ${offset} exceeds 2^53`, {
      details: { offset },
    });
  }
  return value;
}

/**
 * Encodes records of one topic-partition as bronze JSON lines, in the field order of
 * `BronzeRecord` (the value last, being the longest).
 */
export function createLineEncoder(
  topic: string,
  partition: number,
): (message: KafkaMessage) => EncodedLine {
  const start = `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":`;
  // Records produced together share a timestamp: format it once.
  let lastMs = Number.NaN;
  let lastIso = '';
  return (message) => {
    const offset = parseOffset(message.offset);
    const raw = Number(message.timestamp);
    const timestampMs = Number.isFinite(raw) && Math.abs(raw) <= MAX_DATE_MS ? raw : 0;
    if (timestampMs !== lastMs) {
      lastMs = timestampMs;
      lastIso = new Date(timestampMs).toISOString();
    }
    const { prefix, body } = encodeValue(message.value);
    const head =
      `${start}${offset},"timestamp":"${lastIso}",${encodeKey(message.key)},` +
      `"headers":${encodeHeaders(message.headers)},${prefix}`;
    const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    return { head, body, bytes: Buffer.byteLength(head) + bodyBytes + 2, offset, timestampMs };
  };
}

/**
 * The message bytes a bronze record holds (for readers and tests). For `json` the bytes are the
 * JSON text as embedded, which equals the original unless it spanned lines (then compacted).
 */
export function recordValueBytes(record: BronzeRecord): Buffer | null {
  switch (record.value_encoding) {
    case null:
      return null;
    case 'base64':
      return Buffer.from(record.value as string, 'base64');
    case 'utf8':
      return Buffer.from(record.value as string, 'utf8');
    default:
      return Buffer.from(JSON.stringify(record.value), 'utf8');
  }
}
