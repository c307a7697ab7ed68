import { isGenerationMismatch, type ObjectStore } from '@lakestream/object-store';
import { faultPoint, type Logger } from '@lakestream/observability';
import type { Admin, Producer } from 'kafkajs';
import { BronzeSinkError } from './errors.js';
import { commitOffset, type TransactionTarget } from './partition-transaction.js';

/** What a leftover removal needs. */
export interface LeftoverCleanup {
  target: TransactionTarget;
  store: ObjectStore;
  admin: Admin;
  producer: Producer | undefined;
  /** The committed offset this writer read when it took the partition. */
  committed: number;
  /** Whether the writer still holds the partition in this process (not revoked, same session). */
  stillMine: () => boolean;
  logger: Logger;
}

/** The writer no longer owns the partition: leave the object alone. */
function notOwner(target: TransactionTarget, why: string, cause?: unknown): BronzeSinkError {
  const { topic, partition } = target;
  return new BronzeSinkError(
    'LS_BRONZE_FENCED',
    `${topic}/${partition}: not removing a leftover, ${why}`,
    { ...(cause === undefined ? {} : { cause }), details: { topic, partition } },
  );
}

/**
 * Removes the object under `key` – the one an uncommitted flush (crash, fenced owner) may have
 * left at exactly the key the replay's first object gets – but only while this writer provably
 * still owns the partition. An owner paused past its session (GC, SIGSTOP) resumes with a
 * committed offset read long ago, and the key it computes may by now hold the new owner's
 * committed object. So, right before the delete: the group's committed offset is read again (it
 * must not have moved), a transaction re-commits that same offset (the broker refuses it from a
 * fenced producer epoch), and the delete names the object's generation as listed, so an object
 * written under the key after the listing is never removed.
 */
export async function removeLeftover(key: string, cleanup: LeftoverCleanup): Promise<boolean> {
  const { target, store, admin, logger } = cleanup;
  let generation: string | undefined;
  let found = false;
  for await (const info of store.list(key)) {
    if (info.key !== key) continue;
    found = true;
    generation = info.generation;
  }
  if (!found) return false;
  const [offsets] = await admin.fetchOffsets({ groupId: target.groupId, topics: [target.topic] });
  const now = Number(
    offsets?.partitions.find((p) => p.partition === target.partition)?.offset ?? -1,
  );
  if (now >= 0 && now !== cleanup.committed)
    throw notOwner(target, `the committed offset moved from ${cleanup.committed} to ${now}`);
  await commitOffset(cleanup.producer, target, cleanup.committed);
  if (!cleanup.stillMine()) throw notOwner(target, 'the partition was revoked meanwhile');
  faultPoint('bronze-sink.before-cleanup-delete');
  try {
    await store.delete(key, generation === undefined ? {} : { ifGenerationMatch: generation });
  } catch (err) {
    if (isGenerationMismatch(err))
      throw notOwner(target, `${key} was written again after it was listed`, err);
    throw err;
  }
  logger.warn({ key, generation }, 'removed a leftover object of an uncommitted flush');
  return true;
}
