import { bronzeObjectKey } from '@lakestream/lake';
import { isObjectExists, type ObjectStore } from '@lakestream/object-store';
import { faultPoint } from '@lakestream/observability';
import type { Producer } from 'kafkajs';
import { BronzeSinkError } from './errors.js';
import { buildManifest } from './manifest.js';
import type { SealedObject } from './object-buffer.js';
import { commitOffset, type TransactionTarget } from './partition-transaction.js';

/** Where a partition's sealed objects go. */
export interface ObjectDestination {
  store: ObjectStore;
  target: TransactionTarget;
  /** The partition's fenced transactional producer. */
  producer: Producer | undefined;
  /** Instance id, written into manifests. */
  writer: string;
}

/** A committed object. */
export interface PublishedObject {
  key: string;
  /** The offset the group now reads from: the one after the object's last record. */
  nextOffset: number;
  /** How long the Kafka transaction took. */
  commitSeconds: number;
}

/**
 * Makes one sealed object durable and committed: create it under its deterministic key,
 * create-only (a key already taken is a conflict, never overwritten), then one Kafka transaction
 * producing its manifest and committing the offsets past it. `startOffset` is the offset the
 * object's records were read from (the previous object's `next_offset`).
 */
export async function publishObject(
  object: SealedObject,
  startOffset: number,
  to: ObjectDestination,
): Promise<PublishedObject> {
  const { store, target } = to;
  const { topic, partition } = target;
  const key = bronzeObjectKey(topic, partition, object.firstOffset, object.firstTimestampMs);
  try {
    await store.put(key, object.body, { ifNotExists: true, contentType: 'application/gzip' });
  } catch (err) {
    if (!isObjectExists(err)) throw err;
    throw new BronzeSinkError('LS_BRONZE_OBJECT_CONFLICT', `object ${key} already exists`, {
      cause: err,
      details: { key },
    });
  }
  faultPoint('bronze-sink.after-put');
  // From here the object is durable. Committing is right even if the partition was revoked
  // meanwhile: if another instance took it, it fenced this producer and the commit fails.
  const manifest = buildManifest({
    object,
    startOffset,
    topic,
    partition,
    key,
    uri: store.uri(key),
    writer: to.writer,
  });
  const nextOffset = manifest.next_offset;
  const commitStarted = performance.now();
  await commitOffset(to.producer, target, nextOffset, JSON.stringify(manifest));
  return { key, nextOffset, commitSeconds: (performance.now() - commitStarted) / 1000 };
}
