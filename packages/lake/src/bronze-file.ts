/**
 * Bronze objects that come from a file or an export run rather than from a topic's records: a
 * Firestore collection's export. They are announced on the same manifest topic as every bronze
 * object (`lakestream.bronze.files.v1`), with a manifest of their own shape (`kind: 'file'`), keyed
 * by `bronzeFileManifestKey` so one dataset's announcements stay in order in one partition.
 */
import { z } from 'zod';
import { BRONZE_PREFIX } from './bronze-key.js';
import {
  type BronzeManifest,
  BronzeManifestSchema,
  parseBronzeManifest,
} from './bronze-manifest.js';
import type { DeadLetterRecord, TopicSource } from './dead-letter.js';

const isoTime = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

/** A warehouse column type a file's rows are loaded with (BigQuery spelling; DuckDB maps them). */
export const FILE_COLUMN_TYPES = [
  'STRING',
  'INT64',
  'FLOAT64',
  'BOOL',
  'TIMESTAMP',
  'BYTES',
  'JSON',
] as const;
export type FileColumnType = (typeof FILE_COLUMN_TYPES)[number];

export const FileColumnSchema = z.object({
  name: z.string().min(1),
  type: z.enum(FILE_COLUMN_TYPES),
});
export type FileColumn = z.infer<typeof FileColumnSchema>;

/** What a Firestore collection export object holds. */
export const FirestoreFileSourceSchema = z.object({
  dataset: z.literal('firestore'),
  project: z.string().min(1),
  /**
   * The collection id (for a subcollection: its own id; `_ls_path` tells the parents). Readers
   * take the table from `target_table`, never from this.
   */
  collection: z.string().min(1),
  /** The export run: one read time for every collection of the run. */
  run_id: z.string().min(1),
  /** The consistent read time of the run (ISO 8601 UTC, microseconds). */
  read_time: isoTime,
  /** Warehouse schema (DuckDB) / dataset (BigQuery) and table the run replaces. */
  target_schema: z.string().min(1),
  target_table: z.string().min(1),
  /** The rows' columns, in order: the `_ls_` columns first, then the documents' top-level fields. */
  columns: z.array(FileColumnSchema).min(1),
});
export type FirestoreFileSource = z.infer<typeof FirestoreFileSourceSchema>;

/** The announcement of one bronze object landed from a file or an export run. */
export const BronzeFileManifestSchema = z.object({
  version: z.literal(1),
  kind: z.literal('file'),
  /** Absolute object URI: `gs://bucket/prefix/bronze/…` or `file:///…/bronze/…`. */
  uri: z.string().min(1),
  /** Object key relative to the store root (`bronze/firestore/…`). */
  key: z.string().startsWith(BRONZE_PREFIX),
  record_count: count,
  /** Size of the gzip object, and of its JSON lines before compression. */
  bytes: count,
  uncompressed_bytes: count,
  written_at: isoTime,
  /** The process that wrote it (`firestore-source@host`). */
  writer: z.string().min(1),
  format: z.literal('jsonl.gz'),
  source: z.discriminatedUnion('dataset', [FirestoreFileSourceSchema]),
});
export type BronzeFileManifest = z.infer<typeof BronzeFileManifestSchema>;

/**
 * The Kafka key of a file manifest: one target table's runs stay in order. The table, not the
 * collection id: a subcollection (`reports` under `teams`, table `teams__reports`) and a root collection
 * of the same id are two tables.
 */
export function bronzeFileManifestKey(source: FirestoreFileSource): string {
  return `file+${source.dataset}+${source.project}+${source.target_table}`;
}

/** Whether a manifest message key is a file manifest's. */
export function isBronzeFileManifestKey(key: string | Buffer | null | undefined): boolean {
  return key?.toString().startsWith('file+') ?? false;
}

/**
 * The topic manifest a manifest-topic message holds; undefined for a tombstone or a file manifest
 * (an export run's object covers no topic offsets, so readers of topic ranges pass over it
 * unparsed, whatever its version). Throws (a ZodError or SyntaxError) when the value is no
 * manifest.
 */
export function parseTopicManifest(message: {
  key: string | Buffer | null;
  value: string | Buffer | null;
}): BronzeManifest | undefined {
  if (message.value === null || isBronzeFileManifestKey(message.key)) return undefined;
  return parseBronzeManifest(message.value);
}

/** Any message of the manifest topic, as readers take it. */
export type BronzeAnnouncement =
  | { kind: 'records'; manifest: BronzeManifest }
  | { kind: 'file'; manifest: BronzeFileManifest };

/**
 * Parses a manifest topic message's value of either shape; throws (a ZodError or SyntaxError)
 * when it is neither.
 */
export function parseBronzeAnnouncement(value: string | Buffer): BronzeAnnouncement {
  const json: unknown = JSON.parse(value.toString());
  if (typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === 'file') {
    return { kind: 'file', manifest: BronzeFileManifestSchema.parse(json) };
  }
  return { kind: 'records', manifest: BronzeManifestSchema.parse(json) };
}

/**
 * The `component` of the warehouse loader's dead letter for a file manifest it can never apply.
 * The loader publishes that letter (on the document sources' dead-letter topic) before it commits
 * past the manifest, so a run that waits for the loader group's committed offset tells a rejected
 * snapshot from a loaded one by looking for a letter naming its manifest's position.
 */
export const MANIFEST_REJECTION_COMPONENT = 'warehouse-loader';

/** A file manifest's place on the manifest topic. */
export type ManifestPosition = Omit<TopicSource, 'kind'>;

/**
 * The Kafka key of a rejected manifest's dead letter: its position, so a letter published again
 * after a crash before the commit shares its key.
 */
export function rejectedManifestKey({ topic, partition, offset }: ManifestPosition): string {
  return `${topic}+${partition}+${offset}`;
}

/** Whether `letter` is the loader's rejection of the manifest at `at` (the key only routes). */
export function isManifestRejection(letter: DeadLetterRecord, at: ManifestPosition): boolean {
  const { source } = letter;
  return (
    letter.component === MANIFEST_REJECTION_COMPONENT &&
    source.kind === 'topic' &&
    source.topic === at.topic &&
    source.partition === at.partition &&
    source.offset === at.offset
  );
}
