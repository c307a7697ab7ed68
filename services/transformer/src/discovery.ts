import { readTopicToEnd, type TopicRecord } from '@lakestream/kafka';
import {
  type BronzeManifest,
  bronzeTopicPrefix,
  manifestNextOffset,
  manifestStartOffset,
  parseBronzeObjectKey,
  parseTopicManifest,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { TransformerError } from './errors.js';

/** A committed bronze object the transformer may read. */
export interface BronzeObject {
  /** Object key relative to the store root. */
  key: string;
  topic: string;
  partition: number;
  /** Offset of the object's first record. */
  firstOffset: number;
  /**
   * The offset its records were read from (its manifest's `start_offset`, else `firstOffset`):
   * the previous object of the partition must end exactly there.
   */
  startOffset: number;
  /**
   * Records at or after this offset are not data: `last_offset + 1` of its manifest, or (found by
   * listing) the bronze sink's committed offset of the partition.
   */
  endOffset: number;
  /** Records the manifest says it holds; undefined when found by listing. */
  recordCount?: number;
  /** Size in bytes, when known. */
  bytes?: number;
}

/** How the objects were found. */
export type DiscoveredBy = 'manifests' | 'listing';

/** What discovery found. */
export interface Discovery {
  by: DiscoveredBy;
  objects: BronzeObject[];
}

/** Options of `readManifestTopic`. */
export interface ManifestTopicOptions {
  kafka: Kafka;
  manifestTopic: string;
  /** Only manifests of this topic are kept. */
  sourceTopic: string;
  timeoutMs: number;
  /** Prefix of the throwaway consumer group's id. */
  clientId: string;
  logger: Logger;
}

/** What the manifest topic holds. */
export type ManifestTopicRead =
  | { complete: true; manifests: BronzeManifest[] }
  /** Retention removed the topic's first messages: manifests are missing, use a listing. */
  | { complete: false; firstOffsets: Record<number, number> };

const discoveryError = (message: string, cause?: unknown) =>
  new TransformerError('LS_TRANSFORMER_DISCOVERY_FAILED', message, {
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * Reads the manifest topic from its first to its last stable offset (read_committed, so only
 * manifests of committed bronze transactions), with a throwaway consumer group that commits
 * nothing and is deleted afterwards. Invalid messages and manifests of other topics are skipped.
 */
export async function readManifestTopic(options: ManifestTopicOptions): Promise<ManifestTopicRead> {
  const { kafka, manifestTopic, sourceTopic, logger } = options;
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; low: string; high: string }[];
  try {
    if (!(await admin.listTopics()).includes(manifestTopic)) {
      logger.warn({ manifestTopic }, 'the manifest topic does not exist (yet): no bronze objects');
      return { complete: true, manifests: [] };
    }
    // The admin's ListOffsets is read_committed: `high` is the last stable offset.
    ends = await admin.fetchTopicOffsets(manifestTopic);
  } catch (err) {
    throw discoveryError(`cannot read the offsets of ${manifestTopic}`, err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const dropped = ends.filter((end) => Number(end.low) > 0);
  if (dropped.length > 0) {
    return {
      complete: false,
      firstOffsets: Object.fromEntries(dropped.map((end) => [end.partition, Number(end.low)])),
    };
  }
  let records: TopicRecord[];
  try {
    records = await readTopicToEnd(kafka, manifestTopic, {
      groupIdPrefix: `${options.clientId}-discovery`,
      timeoutMs: options.timeoutMs,
      ends,
    });
  } catch (err) {
    throw discoveryError(`cannot read ${manifestTopic}: ${(err as Error).message}`, err);
  }

  const manifests: BronzeManifest[] = [];
  let invalid = 0;
  for (const record of records) {
    let manifest: BronzeManifest | undefined;
    try {
      manifest = parseTopicManifest(record);
    } catch {
      invalid++;
      const position = `${record.partition}:${record.offset}`;
      if (invalid <= 10)
        logger.warn({ manifestTopic, position }, 'skipping a manifest message that does not parse');
      continue;
    }
    if (manifest?.topic === sourceTopic) manifests.push(manifest);
  }
  return { complete: true, manifests };
}

/** The objects named by manifests, one per key (a manifest repeated is one object). */
export function objectsOfManifests(manifests: readonly BronzeManifest[]): BronzeObject[] {
  const byKey = new Map<string, BronzeObject>();
  for (const manifest of manifests) {
    byKey.set(manifest.key, {
      key: manifest.key,
      topic: manifest.topic,
      partition: manifest.partition,
      firstOffset: manifest.first_offset,
      startOffset: manifestStartOffset(manifest),
      endOffset: manifestNextOffset(manifest),
      recordCount: manifest.record_count,
      bytes: manifest.bytes,
    });
  }
  return [...byKey.values()];
}

/** The bronze sink group's committed offsets on a topic, by partition (absent: none). */
export async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(
      (offsets?.partitions ?? [])
        .map((p) => [p.partition, Number(p.offset)] as const)
        .filter(([, offset]) => offset >= 0),
    );
  } catch (err) {
    throw discoveryError(`cannot read the committed offsets of group ${groupId} on ${topic}`, err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * The objects of `bronze/<topic>/` that are committed data: an object starting at `start` in
 * partition `p` counts only if `start < committed(p)`, and its records at or after `committed(p)`
 * are not data. An object starting at or after the committed offset is the leftover of an
 * interrupted flush (the bronze sink's README: *Leftovers*) and must never be read.
 */
export async function listCommittedObjects(
  store: ObjectStore,
  topic: string,
  committed: ReadonlyMap<number, number>,
): Promise<BronzeObject[]> {
  const objects: BronzeObject[] = [];
  for await (const info of store.list(bronzeTopicPrefix(topic))) {
    const parsed = parseBronzeObjectKey(info.key);
    if (parsed === undefined || parsed.topic !== topic) continue;
    const end = committed.get(parsed.partition);
    if (end === undefined || parsed.startOffset >= end) continue;
    objects.push({
      key: info.key,
      topic,
      partition: parsed.partition,
      firstOffset: parsed.startOffset,
      startOffset: parsed.startOffset,
      endOffset: end,
      bytes: info.size,
    });
  }
  return objects;
}

/**
 * Refuses to go on when a pending object does not start where the object before it in its
 * partition ended – processed or not, so the published history counts – i.e. when bronze lacks
 * the records between (a sink that skipped them, an object deleted and its manifest lost) or holds
 * some twice. Quarantining it as unreadable and moving on would publish silver without them, for
 * good; the gap must be repaired (or accepted) by an operator first. Offsets are judged on what the
 * manifests record, `start_offset` → previous `next_offset`, because transaction markers and
 * aborted records occupy offsets that no object holds. A partition's first object is not judged:
 * retention may have taken what came before it.
 */
export function checkContiguous(
  objects: readonly BronzeObject[],
  pending: readonly BronzeObject[],
): void {
  const pendingKeys = new Set(pending.map((object) => object.key));
  const byPartition = new Map<number, BronzeObject[]>();
  for (const object of objects) {
    const list = byPartition.get(object.partition) ?? [];
    list.push(object);
    byPartition.set(object.partition, list);
  }
  const gaps: { partition: number; after: string; key: string; expected: number; found: number }[] =
    [];
  for (const [partition, list] of byPartition) {
    list.sort((a, b) => a.firstOffset - b.firstOffset || a.endOffset - b.endOffset);
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!;
      const object = list[i]!;
      if (!pendingKeys.has(object.key) || object.startOffset === previous.endOffset) continue;
      gaps.push({
        partition,
        after: previous.key,
        key: object.key,
        expected: previous.endOffset,
        found: object.startOffset,
      });
    }
  }
  if (gaps.length === 0) return;
  const first = gaps[0]!;
  const topic = pending[0]?.topic ?? objects[0]?.topic;
  throw new TransformerError(
    'LS_TRANSFORMER_BRONZE_GAP',
    `bronze is not contiguous: ${topic}/${first.partition} ends at offset ${first.expected} (${first.after}) but the next object starts at ${first.found} (${first.key})${gaps.length > 1 ? `, and ${gaps.length - 1} more` : ''}; nothing is published until it is repaired`,
    { details: { topic, gaps } },
  );
}

/**
 * The objects not yet processed, each partition's in offset order; with `maxObjects`, a prefix of
 * each partition (taken round-robin), so a later batch only ever holds later offsets.
 */
export function selectPending(
  objects: readonly BronzeObject[],
  processed: ReadonlySet<string>,
  maxObjects?: number,
): BronzeObject[] {
  const byPartition = new Map<number, BronzeObject[]>();
  for (const object of objects) {
    if (processed.has(object.key)) continue;
    const list = byPartition.get(object.partition) ?? [];
    list.push(object);
    byPartition.set(object.partition, list);
  }
  const queues = [...byPartition]
    .sort((a, b) => a[0] - b[0])
    .map(([, list]) => list.sort((a, b) => a.firstOffset - b.firstOffset));
  if (maxObjects === undefined) return queues.flat();
  const picked: BronzeObject[] = [];
  for (let round = 0; picked.length < maxObjects; round++) {
    let any = false;
    for (const queue of queues) {
      const next = queue[round];
      if (next === undefined) continue;
      any = true;
      picked.push(next);
      if (picked.length === maxObjects) break;
    }
    if (!any) break;
  }
  return picked.sort((a, b) => a.partition - b.partition || a.firstOffset - b.firstOffset);
}
