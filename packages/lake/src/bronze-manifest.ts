import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });
const offset = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

/**
 * The announcement of one committed bronze object, on `lakestream.bronze.files.v1`, keyed by
 * `<topic>+<partition>` (`bronzeManifestKey`), as the bronze sink writes it today: every field
 * present. Produced in the same Kafka transaction that commits the consumer offsets past the
 * object, so a `read_committed` reader sees a manifest exactly when its records count as consumed.
 * The manifests are the only index of bronze data: an object no manifest names is not data.
 */
export const WrittenBronzeManifestSchema = z.object({
  /** Format version of this message. */
  version: z.literal(1),
  /** Absolute object URI: `gs://bucket/prefix/bronze/…` or `file:///…/bronze/…`. */
  uri: z.string().min(1),
  /** Object key relative to the store root (`bronze/<topic>/dt=…/hour=…/…`, see `bronzeObjectKey`). */
  key: z.string().min(1),
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  /**
   * The offset this object's records were read from: the previous object's `next_offset` (or
   * where the partition was first read). Offsets from here to `first_offset` hold no record
   * (transaction markers, aborted records). A partition's objects leave no gap when each one's
   * `start_offset` is the `next_offset` of the one before.
   */
  start_offset: offset,
  first_offset: offset,
  last_offset: offset,
  /** The group's committed offset after this object (`last_offset + 1`). */
  next_offset: offset,
  record_count: count,
  /** Size of the gzip object. */
  bytes: count,
  /** Size of the JSON lines before compression. */
  uncompressed_bytes: count,
  /** Earliest and latest record timestamps in the object (ISO 8601 UTC). */
  min_record_time: isoTime,
  max_record_time: isoTime,
  /** When the object was made durable (ISO 8601 UTC). */
  written_at: isoTime,
  /** The sink instance that wrote it. */
  writer: z.string(),
  format: z.literal('jsonl.gz'),
});
/** A bronze manifest as the bronze sink writes it. */
export type WrittenBronzeManifest = z.infer<typeof WrittenBronzeManifestSchema>;

/**
 * A bronze manifest as readers take it: manifests written before `start_offset`/`next_offset`
 * (and the descriptive fields) existed still parse; read their range with `manifestStartOffset`
 * and `manifestNextOffset`. Unknown extra fields are allowed, so a writer may add one first.
 */
export const BronzeManifestSchema = WrittenBronzeManifestSchema.partial({
  start_offset: true,
  next_offset: true,
  uncompressed_bytes: true,
  min_record_time: true,
  max_record_time: true,
  written_at: true,
  writer: true,
});
/** A bronze manifest of any writer version. */
export type BronzeManifest = z.infer<typeof BronzeManifestSchema>;

/** Parses a manifest message's value (JSON); throws (a ZodError or SyntaxError) when it is none. */
export function parseBronzeManifest(value: string | Buffer): BronzeManifest {
  return BronzeManifestSchema.parse(JSON.parse(value.toString()));
}

/** Where the manifest's records were read from; a manifest without `start_offset` began at its first record. */
export function manifestStartOffset(
  manifest: Pick<BronzeManifest, 'start_offset' | 'first_offset'>,
): number {
  return manifest.start_offset ?? manifest.first_offset;
}

/** The committed offset after the manifest's object; without `next_offset`, `last_offset + 1`. */
export function manifestNextOffset(
  manifest: Pick<BronzeManifest, 'next_offset' | 'last_offset'>,
): number {
  return manifest.next_offset ?? manifest.last_offset + 1;
}

/** The Kafka key of a partition's manifests: all of them land in one manifest partition, in order. */
export function bronzeManifestKey(topic: string, partition: number): string {
  return `${topic}+${partition}`;
}
