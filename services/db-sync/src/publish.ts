/**
 * Publishes a table's records to its topic in batches (many records per send, at most
 * `maxInFlight` sends pending, so a large table needs bounded memory), through the idempotent
 * producer with acks=all, and records per partition the offsets this attempt's records took –
 * the ranges its DbSyncBatch announces.
 */
import type { DbOffsetRange } from '@lakestream/lake';
import { type Message, Partitioners, type PartitionMetadata, type Producer } from 'kafkajs';
import { DbSyncError } from './errors.js';

/** A record to publish: its key and its JSON value. */
export interface OutgoingRecord {
  key: string;
  value: string;
}

const partitioner = Partitioners.DefaultPartitioner();

/** Publishes one attempt's records of one table and tracks their offsets. */
export class RecordPublisher {
  private pending: Message[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ranges = new Map<number, { start: number; end: number }>();
  private failure: unknown;
  private count = 0;
  private readonly partitions: PartitionMetadata[];

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    partitionCount: number,
    private readonly batchRecords: number,
    private readonly maxInFlight = 2,
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
      offlineReplicas: [],
    }));
  }

  /** Records handed over so far. */
  get records(): number {
    return this.count;
  }

  /** Queues a record; waits while the sends in flight are at their bound. */
  async add(record: OutgoingRecord): Promise<void> {
    this.throwIfFailed();
    // The partition is chosen here, as the client would, so each send knows how many of its
    // records went to each partition and can turn base offsets into ranges.
    const message: Message = { key: record.key, value: record.value };
    message.partition = partitioner({
      topic: this.topic,
      partitionMetadata: this.partitions,
      message,
    });
    this.pending.push(message);
    this.count++;
    if (this.pending.length >= this.batchRecords) await this.send();
  }

  /** Sends what is queued and waits for every send; returns the offset ranges, by partition. */
  async finish(): Promise<DbOffsetRange[]> {
    if (this.pending.length > 0) await this.send();
    await Promise.allSettled([...this.inFlight]);
    this.throwIfFailed();
    return [...this.ranges.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, r]) => ({ partition, start_offset: r.start, end_offset: r.end }));
  }

  private async send(): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const messages = this.pending;
    this.pending = [];
    const perPartition = new Map<number, number>();
    for (const m of messages)
      perPartition.set(m.partition!, (perPartition.get(m.partition!) ?? 0) + 1);
    const sending = this.producer
      .send({ topic: this.topic, messages, acks: -1 })
      .then((metadata) => {
        for (const { partition, baseOffset } of metadata) {
          const start = Number(baseOffset);
          const end = start + (perPartition.get(partition) ?? 0);
          const range = this.ranges.get(partition);
          if (range === undefined) this.ranges.set(partition, { start, end });
          else
            this.ranges.set(partition, {
              start: Math.min(range.start, start),
              end: Math.max(range.end, end),
            });
        }
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) {
      throw new DbSyncError(
        'LS_DB_SYNC_PUBLISH_FAILED',
        `publishing to ${this.topic} failed: ${(this.failure as Error).message}`,
        { cause: this.failure, retryable: true },
      );
    }
  }
}
