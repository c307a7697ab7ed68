import type { WrittenBronzeManifest } from '@lakestream/lake';
import type { SealedObject } from './object-buffer.js';

/**
 * The manifest of a sealed object stored under `key` at `uri`: the lake's bronze manifest
 * (`WrittenBronzeManifestSchema`), announced on `lakestream.bronze.files.v1` in the same Kafka
 * transaction that commits the consumer offsets past the object.
 */
export function buildManifest(options: {
  object: SealedObject;
  /** The offset the object's records were read from (see `start_offset` in @lakestream/lake). */
  startOffset: number;
  topic: string;
  partition: number;
  key: string;
  uri: string;
  writer: string;
  writtenAt?: Date;
}): WrittenBronzeManifest {
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
