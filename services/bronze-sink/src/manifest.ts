import type { SealedObject } from './object-buffer.js';

/**
 * The announcement of one committed bronze object, on `lakestream.bronze.files.v1`, keyed by
 * `<topic>+<partition>`. Produced in the same Kafka transaction that commits the consumer offsets
 * past the object, so a `read_committed` reader sees a manifest exactly when its records count as
 * consumed. The manifests are the only index of bronze data: an object no manifest names is not
 * data (see README: leftovers).
 */
export interface BronzeManifest {
  /** Format version of this message. */
  version: 1;
  /** Absolute object URI: `gs://bucket/prefix/bronze/…` or `file:///…/bronze/…`. */
  uri: string;
  /** Object key relative to the store root (`bronze/<topic>/dt=…/hour=…/…`). */
  key: string;
  topic: string;
  partition: number;
  /**
   * The offset this object's records were read from: the previous object's `next_offset` (or
   * where the partition was first read). Offsets from here to `first_offset` hold no record
   * (transaction markers, aborted records). A partition's objects leave no gap when each one's
   * `start_offset` is the `next_offset` of the one before.
   */
  start_offset: number;
  first_offset: number;
  last_offset: number;
  /** The group's committed offset after this object (`last_offset + 1`). */
  next_offset: number;
  record_count: number;
  /** Size of the gzip object. */
  bytes: number;
  /** Size of the JSON lines before compression. */
  uncompressed_bytes: number;
  /** Earliest and latest record timestamps in the object (ISO 8601 UTC). */
  min_record_time: string;
  max_record_time: string;
  /** When the object was made durable (ISO 8601 UTC). */
  written_at: string;
  /** The sink instance that wrote it. */
  writer: string;
  format: 'jsonl.gz';
}

/** The manifest of a sealed object stored under `key` at `uri`. */
export function buildManifest(options: {
  object: SealedObject;
  /** The offset the object's records were read from (see `BronzeManifest.start_offset`). */
  startOffset: number;
  topic: string;
  partition: number;
  key: string;
  uri: string;
  writer: string;
  writtenAt?: Date;
}): BronzeManifest {
  const { object } = options;
  return {
    version: 1,
    uri: options.uri,
    key: options.key,
    topic: options.topic,
    partition: options.partition,
    start_offset: options.startOffset,
    first_offset: object.firstOffset,
    last_offset: object.lastOffset,
    next_offset: object.lastOffset + 1,
    record_count: object.recordCount,
    bytes: object.body.length,
    uncompressed_bytes: object.uncompressedBytes,
    min_record_time: new Date(object.minTimestampMs).toISOString(),
    max_record_time: new Date(object.maxTimestampMs).toISOString(),
    written_at: (options.writtenAt ?? new Date()).toISOString(),
    writer: options.writer,
    format: 'jsonl.gz',
  };
}

/** The Kafka key of a partition's manifests: all of them land in one manifest partition, in order. */
export function manifestKey(topic: string, partition: number): string {
  return `${topic}+${partition}`;
}
