/**
 * The one dead-letter record: what every writer to a dead-letter topic puts there, so one reader
 * handles them all – on `lakestream.order_items.dlq.v1` the producer (a CSV row) and the audit
 * sink (a Kafka message); on `lakestream.firestore.quarantine.v1` the Firestore backfill (an export
 * record) and the warehouse loader (a bronze manifest it can never apply).
 */
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';

/** Version of the record's shape; bumped on any change a reader could notice. */
export const DLQ_VERSION = 1 as const;

/** Longest `value` kept per reason: enough to recognise it, never a 10 MB blob. */
export const MAX_REASON_VALUE_CHARS = 1024;

/** One reason a record was rejected. */
export const DeadLetterReasonSchema = z.object({
  /** Stable code (`LS_SCHEMA_INTEGER`, `LS_PRODUCER_CSV_SYNTAX`, `LS_AUDIT_NOT_JSON`, …). */
  code: z.string().regex(/^LS_[A-Z0-9_]+$/),
  /** One line for people. */
  message: z.string().min(1),
  /** The offending column of a CSV row; null when the reason is about the record as a whole. */
  column: z.string().nullable(),
  /** The offending text, cut to `MAX_REASON_VALUE_CHARS`; null when there is none. */
  value: z.string().nullable(),
});
export type DeadLetterReason = z.infer<typeof DeadLetterReasonSchema>;

/** A row of an input file (the producer). */
export const FileSourceSchema = z.object({
  kind: z.literal('file'),
  file: z.string().min(1),
  /** 1-based data row (the header is not counted). */
  row: z.number().int().nonnegative(),
  /** The encoding the row was decoded with. */
  encoding: z.string().min(1),
});
export type FileSource = z.infer<typeof FileSourceSchema>;

/** A message of a Kafka topic (the sinks; the warehouse loader's rejected manifests). */
export const TopicSourceSchema = z.object({
  kind: z.literal('topic'),
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  /** Kafka offsets are 64-bit: kept as decimal text. */
  offset: z.string().regex(/^\d+$/),
});
export type TopicSource = z.infer<typeof TopicSourceSchema>;

/** A record of a Firestore managed export (a LevelDB log file of an export). */
export const ExportSourceSchema = z.object({
  kind: z.literal('export'),
  /** The export file (`…/all_namespaces/kind_x/output-3`, as a path or URI). */
  file: z.string().min(1),
  /** Byte offset in the file of the record (or of the damaged block). */
  offset: z.number().int().nonnegative(),
  /** The document path, when the record was readable far enough to tell it. */
  path: z.string().nullable(),
});
export type ExportSource = z.infer<typeof ExportSourceSchema>;

/** Where the rejected record was; readers dedupe on it (dead letters are at least once). */
export const DeadLetterSourceSchema = z.discriminatedUnion('kind', [
  FileSourceSchema,
  TopicSourceSchema,
  ExportSourceSchema,
]);
export type DeadLetterSource = z.infer<typeof DeadLetterSourceSchema>;

/** The JSON value of every message on the dead-letter topic. */
export const DeadLetterRecordSchema = z.object({
  dlq_version: z.literal(DLQ_VERSION),
  /** The writer: `producer`, `audit-sink`, `firestore-backfill`, `warehouse-loader`, … */
  component: z.string().min(1),
  /** When the writer rejected it, ISO-8601 UTC. */
  failed_at: z.iso.datetime({ offset: true }),
  /** Every reason, the first one the main one. */
  reasons: z.array(DeadLetterReasonSchema).min(1),
  /** The record as it was: text when it is text, else base64 (see `raw_encoding`); null for none. */
  raw: z.string().nullable(),
  raw_encoding: z.enum(['utf8', 'base64']),
  /** The record's size in its input, in bytes, before any cut. */
  raw_bytes: z.number().int().nonnegative(),
  /** Whether `raw` holds only the beginning of the record. */
  raw_truncated: z.boolean(),
  source: DeadLetterSourceSchema,
});
export type DeadLetterRecord = z.infer<typeof DeadLetterRecordSchema>;

/** What a writer knows of a record it rejects. */
export interface DeadLetterInput {
  component: string;
  /** At least one. Values longer than `MAX_REASON_VALUE_CHARS` are cut. */
  reasons: readonly DeadLetterReason[];
  /** Decoded text as it is; bytes are kept as text when they are UTF-8, else as base64. */
  raw: string | Uint8Array | null;
  /** The size in the input, when `raw` is cut or was decoded from another encoding. */
  rawBytes?: number;
  rawTruncated?: boolean;
  source: DeadLetterSource;
  failedAt?: Date;
}

function cut(reason: DeadLetterReason): DeadLetterReason {
  const { value } = reason;
  if (value === null || value.length <= MAX_REASON_VALUE_CHARS) return reason;
  return { ...reason, value: `${value.slice(0, MAX_REASON_VALUE_CHARS)}…` };
}

function rawOf(raw: DeadLetterInput['raw']): Pick<DeadLetterRecord, 'raw' | 'raw_encoding'> & {
  bytes: number;
} {
  if (raw === null) return { raw: null, raw_encoding: 'utf8', bytes: 0 };
  if (typeof raw === 'string') return { raw, raw_encoding: 'utf8', bytes: Buffer.byteLength(raw) };
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const utf8 = isUtf8(bytes);
  return {
    raw: bytes.toString(utf8 ? 'utf8' : 'base64'),
    raw_encoding: utf8 ? 'utf8' : 'base64',
    bytes: bytes.length,
  };
}

/** Builds the dead-letter record of a rejected record. */
export function buildDeadLetter(input: DeadLetterInput): DeadLetterRecord {
  if (input.reasons.length === 0) {
    throw new RangeError(`a dead letter of ${input.component} needs at least one reason`);
  }
  const { bytes, ...raw } = rawOf(input.raw);
  return {
    dlq_version: DLQ_VERSION,
    component: input.component,
    failed_at: (input.failedAt ?? new Date()).toISOString(),
    reasons: input.reasons.map(cut),
    ...raw,
    raw_bytes: input.rawBytes ?? bytes,
    raw_truncated: input.rawTruncated ?? false,
    source: input.source,
  };
}

/**
 * The Kafka headers of a dead letter: the same facts as the value, for tools that read headers
 * only (`kcat -f '%h'`, a broker-side filter).
 */
export function deadLetterHeaders(record: DeadLetterRecord): Record<string, string> {
  return {
    'lakestream-dlq-version': String(record.dlq_version),
    'lakestream-error-code': record.reasons[0]!.code,
    ...sourceHeaders(record.source),
    'lakestream-component': record.component,
  };
}

/** Where the rejected record was, as headers: each kind of source names its own position. */
function sourceHeaders(source: DeadLetterSource): Record<string, string> {
  switch (source.kind) {
    case 'topic':
      return {
        'lakestream-source-topic': source.topic,
        'lakestream-source-partition': String(source.partition),
        'lakestream-source-offset': source.offset,
      };
    case 'file':
      return { 'lakestream-source-file': source.file, 'lakestream-source-row': String(source.row) };
    case 'export':
      return {
        'lakestream-source-file': source.file,
        'lakestream-source-byte-offset': String(source.offset),
      };
  }
}

/** Parses a dead-letter message's value (JSON); throws (a ZodError or SyntaxError) when it is none. */
export function parseDeadLetter(value: string | Buffer): DeadLetterRecord {
  return DeadLetterRecordSchema.parse(JSON.parse(value.toString()));
}
