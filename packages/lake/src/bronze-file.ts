/**
 * Bronze objects that come from a file or an export run rather than from a topic's records: a
 * Firestore collection's export, a Eurostat dataset version's raw answer. They are announced on the same manifest topic as every bronze
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
import { eurostatBronzeKey } from './eurostat.js';

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

/**
 * What a Eurostat dataset version's raw answer object holds: the dissemination API's JSON-stat
 * answer as downloaded (a split download joined into one), gzip. It is landed for replay and
 * audit; the Eurostat source loads it itself (silver Parquet, PostgreSQL), so no warehouse loader
 * applies it.
 */
export const EurostatFileSourceSchema = z.object({
  dataset: z.literal('eurostat'),
  /** The dataset code, lower case (`hlth_cd_aro`). */
  code: z.string().regex(/^[a-z0-9_]{1,64}$/, 'a lower-case Eurostat dataset code'),
  /** The version: the answer's `updated` time in UTC (`2024-05-01T09:00:00Z`). */
  update_time: z.iso.datetime(),
  /** The request the answer came from (for a split download: the whole dataset's URL). */
  url: z.url(),
  /** Observed cells of the answer (the manifest's `record_count`), when known. */
  cells: count.optional(),
});
export type EurostatFileSource = z.infer<typeof EurostatFileSourceSchema>;

const FileManifestBase = z.object({
  version: z.literal(1),
  kind: z.literal('file'),
  /** Absolute object URI: `gs://bucket/prefix/bronze/…` or `file:///…/bronze/…`. */
  uri: z.string().min(1),
  /** Object key relative to the store root (`bronze/firestore/…`, `bronze/eurostat/…`). */
  key: z.string().startsWith(BRONZE_PREFIX),
  /**
   * Records the object holds: a Firestore export's documents (its JSON lines); a Eurostat answer's
   * observed cells (a value, or a status only), as the load reads them.
   */
  record_count: count,
  /** Size of the gzip object, and of its text before compression. */
  bytes: count,
  uncompressed_bytes: count,
  written_at: isoTime,
  /** The process that wrote it (`firestore-source@host`, `eurostat-source@host`). */
  writer: z.string().min(1),
  /** `jsonl.gz` (Firestore: JSON lines), `json.gz` (Eurostat: one JSON-stat document). */
  format: z.enum(['jsonl.gz', 'json.gz']),
  /** What the object is, by dataset. */
  source: z.discriminatedUnion('dataset', [FirestoreFileSourceSchema, EurostatFileSourceSchema]),
});

/**
 * A Firestore export object's manifest: the file manifest a warehouse loader applies (the name
 * predates other datasets' file manifests).
 */
export const BronzeFileManifestSchema = FileManifestBase.extend({
  format: z.literal('jsonl.gz'),
  source: FirestoreFileSourceSchema,
});
export type BronzeFileManifest = z.infer<typeof BronzeFileManifestSchema>;

/** A Eurostat raw answer object's manifest; its key is the version's bronze key. */
export const EurostatFileManifestSchema = FileManifestBase.extend({
  format: z.literal('json.gz'),
  source: EurostatFileSourceSchema,
}).refine((m) => m.key === eurostatBronzeKey(m.source.code, m.source.update_time), {
  path: ['key'],
  message: 'not the bronze key of the version (bronze/eurostat/<code>/<YYYYMMDDTHHMMSSZ>.json.gz)',
});
export type EurostatFileManifest = z.infer<typeof EurostatFileManifestSchema>;

/** Any file manifest on the manifest topic (`kind: 'file'`), whatever its dataset. */
export const AnyBronzeFileManifestSchema = z.union([
  BronzeFileManifestSchema,
  EurostatFileManifestSchema,
]);
export type AnyBronzeFileManifest = z.infer<typeof AnyBronzeFileManifestSchema>;

/** Whether a file manifest is a Firestore export's (the ones a warehouse loader applies). */
export function isFirestoreFileManifest(m: AnyBronzeFileManifest): m is BronzeFileManifest {
  return m.source.dataset === 'firestore';
}

/**
 * The Kafka key of a file manifest, so one target's announcements stay in order in one partition.
 * Firestore: the target table, not the collection id (a subcollection `reports` under `teams`,
 * table `teams__reports`, and a root collection of the same id are two tables) –
 * `file+firestore+<project>+<table>`. Eurostat: the dataset – `file+eurostat+<code>`, the same key
 * for every version, so versions stay in update order.
 */
export function bronzeFileManifestKey(source: FirestoreFileSource | EurostatFileSource): string {
  if (source.dataset === 'eurostat') return `file+${source.dataset}+${source.code}`;
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
  | { kind: 'file'; manifest: AnyBronzeFileManifest };

/**
 * Parses a manifest topic message's value of either shape; throws (a ZodError or SyntaxError)
 * when it is neither.
 */
export function parseBronzeAnnouncement(value: string | Buffer): BronzeAnnouncement {
  const json: unknown = JSON.parse(value.toString());
  if (typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === 'file') {
    return { kind: 'file', manifest: AnyBronzeFileManifestSchema.parse(json) };
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
