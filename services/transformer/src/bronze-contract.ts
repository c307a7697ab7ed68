/**
 * What the transformer reads of the bronze layer, re-declared here (services never import each
 * other): the manifest message on `lakestream.bronze.files.v1` and the object key layout, both
 * as the bronze sink writes them (services/bronze-sink/src/manifest.ts, object-key.ts).
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });
const offset = z.number().int().nonnegative();

/** The announcement of one committed bronze object. Unknown extra fields are allowed. */
export const BronzeManifestSchema = z.object({
  version: z.literal(1),
  uri: z.string(),
  /** Object key relative to the store root. */
  key: z.string().min(1),
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  /**
   * The offset the object's records were read from: the previous object's `next_offset`. Absent
   * in manifests written before it existed (read as `first_offset`).
   */
  start_offset: offset.optional(),
  first_offset: offset,
  last_offset: offset,
  /** The bronze sink's committed offset after the object; absent before it existed (`last_offset + 1`). */
  next_offset: offset.optional(),
  record_count: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  uncompressed_bytes: z.number().int().nonnegative().optional(),
  min_record_time: isoTime.optional(),
  max_record_time: isoTime.optional(),
  written_at: isoTime.optional(),
  writer: z.string().optional(),
  format: z.literal('jsonl.gz'),
});
export type BronzeManifest = z.infer<typeof BronzeManifestSchema>;

/** What a bronze object key says. */
export interface BronzeObjectKey {
  topic: string;
  partition: number;
  startOffset: number;
}

const KEY = /^bronze\/([^/]+)\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/([^/]+)\+(\d+)\+(\d+)\.jsonl\.gz$/;

/**
 * Reads `bronze/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<startOffset>.jsonl.gz`;
 * undefined for a key of another shape.
 */
export function parseBronzeKey(key: string): BronzeObjectKey | undefined {
  const match = KEY.exec(key);
  if (!match || match[1] !== match[2]) return undefined;
  const startOffset = Number(match[4]);
  if (!Number.isSafeInteger(startOffset)) return undefined;
  return { topic: match[1]!, partition: Number(match[3]), startOffset };
}

/** The folder (prefix) of a topic's bronze objects. */
export function bronzeTopicPrefix(topic: string): string {
  return `bronze/${topic}/`;
}
