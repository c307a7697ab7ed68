import { bronzeManifestKey } from '@lakestream/lake';
import type { Producer } from 'kafkajs';
import { BronzeSinkError, isFencedError } from './errors.js';

/** Where a partition's transactions go. */
export interface TransactionTarget {
  topic: string;
  partition: number;
  groupId: string;
  manifestTopic: string;
}

/** A failed transaction as the sink's error: fenced (another owner) or not. */
function transactionError(
  err: unknown,
  target: TransactionTarget,
  what: string,
  nextOffset: number,
): BronzeSinkError {
  const fenced = isFencedError(err);
  const { topic, partition } = target;
  return new BronzeSinkError(
    fenced ? 'LS_BRONZE_FENCED' : 'LS_BRONZE_COMMIT_FAILED',
    fenced
      ? `${topic}/${partition} was taken over by another instance`
      : `${what} for ${topic}/${partition} failed`,
    { cause: err, retryable: !fenced, details: { topic, partition, nextOffset } },
  );
}

/**
 * One transaction: the manifest (when given), and the group's offset at `nextOffset`. The broker
 * accepts it only from the partition's latest producer epoch, so it commits only while this
 * writer still owns the partition.
 */
export async function commitOffset(
  producer: Producer | undefined,
  target: TransactionTarget,
  nextOffset: number,
  manifest?: string,
): Promise<void> {
  if (!producer) throw new BronzeSinkError('LS_BRONZE_COMMIT_FAILED', 'no producer');
  const { topic, partition, groupId, manifestTopic } = target;
  const transaction = await producer.transaction();
  try {
    if (manifest !== undefined) {
      await transaction.send({
        topic: manifestTopic,
        messages: [{ key: bronzeManifestKey(topic, partition), value: manifest }],
      });
    }
    await transaction.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic, partitions: [{ partition, offset: String(nextOffset) }] }],
    });
    await transaction.commit();
  } catch (err) {
    await transaction.abort().catch(() => {});
    throw transactionError(
      err,
      target,
      manifest === undefined ? 'ownership check' : 'transaction',
      nextOffset,
    );
  }
}
