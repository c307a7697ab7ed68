import { createIdempotentProducer } from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { BronzeSinkError, type BronzeSinkErrorCode } from './errors.js';

/**
 * The transactional id of a partition. One per (group, topic, partition), the same in every
 * instance: whoever takes the partition over initialises it, which bumps the producer epoch and
 * fences the previous owner – a crashed process, or a live one that has not noticed yet – so
 * its transaction can never commit. A per-instance id would only fence the same instance's
 * previous run, and two instances could then both move a partition's offsets.
 */
export function transactionalIdOf(groupId: string, topic: string, partition: number): string {
  return `${groupId}.${topic}.${partition}`;
}

/** What taking a partition needs. */
export interface PartitionOwnershipOptions {
  topic: string;
  partition: number;
  groupId: string;
  kafka: Kafka;
  admin: Admin;
  transactionTimeoutMs: number;
  /** The partition's logger. */
  logger: Logger;
  /** Counts an error under the sink's metric labels. */
  countError: (code: BronzeSinkErrorCode) => void;
}

/** Where a freshly taken partition stands. */
export interface TakenPosition {
  /** Offset after the last committed object (the group's committed offset, or where reading starts). */
  committed: number;
  /** The first offset to read: the committed offset, moved up past records retention deleted. */
  start: number;
}

/**
 * A partition's transactional producer and the fencing that makes it the only one able to move
 * the partition's offsets. Taking the partition bumps the producer epoch first, and only then
 * reads the committed offset: from that moment no earlier owner can move it.
 */
export class PartitionOwnership {
  readonly transactionalId: string;
  private current: Producer | undefined;

  constructor(private readonly options: PartitionOwnershipOptions) {
    this.transactionalId = transactionalIdOf(options.groupId, options.topic, options.partition);
  }

  /** The producer of the latest take, fenced in; undefined once released. */
  get producer(): Producer | undefined {
    return this.current;
  }

  /**
   * Takes ownership: fence the transactional id, then read where the group's committed offset
   * stands (now stable: nobody else can move it), falling back to the partition's first offset.
   * Resolves undefined, holding no producer, when `revoked()` turned true while fencing.
   */
  async take(revoked: () => boolean): Promise<TakenPosition | undefined> {
    const { kafka, admin, groupId, topic, partition, logger } = this.options;
    try {
      const producer = createIdempotentProducer(kafka, {
        transactionalId: this.transactionalId,
        transactionTimeout: this.options.transactionTimeoutMs,
      });
      this.current = producer;
      await producer.connect();
      // kafkajs initialises the transactional producer id on the first transaction: InitProducerId
      // bumps the epoch and completes or aborts whatever transaction a previous owner left open.
      const fence = await producer.transaction();
      await fence.abort();
      if (revoked()) {
        // Revoked while taking it: the next owner fences again; only let go of the producer.
        await this.release();
        return undefined;
      }
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const offset = Number(
        committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
      );
      const ends = await admin.fetchTopicOffsets(topic);
      const low = Number(ends.find((o) => o.partition === partition)?.low ?? 0);
      let start = offset < 0 ? low : offset;
      if (start < low) {
        // Retention deleted records before bronze took them: they are lost, and the next
        // manifest says so (its start_offset is not the previous one's next_offset).
        this.options.countError('LS_BRONZE_RECORDS_EXPIRED');
        logger.error(
          { committedOffset: offset, firstAvailableOffset: low, lost: low - offset },
          'records after the committed offset were deleted by retention before bronze took them',
        );
        start = low;
      }
      logger.info(
        { committedOffset: start, transactionalId: this.transactionalId },
        'partition taken: producer fenced, resuming at the committed offset',
      );
      return { committed: offset < 0 ? start : offset, start };
    } catch (err) {
      this.options.countError('LS_BRONZE_SETUP_FAILED');
      throw new BronzeSinkError('LS_BRONZE_SETUP_FAILED', `cannot take ${topic}/${partition}`, {
        cause: err,
        retryable: true,
        details: { topic, partition },
      });
    }
  }

  /** Lets go of the producer (a failed close is only logged: the next owner fences anyway). */
  async release(): Promise<void> {
    const producer = this.current;
    this.current = undefined;
    await producer?.disconnect().catch((err: unknown) => {
      this.options.logger.warn({ err }, 'closing the transactional producer failed');
    });
  }
}
