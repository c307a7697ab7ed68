/**
 * Keyed JSON records to one topic, many per send, at most `maxInFlight` sends awaiting their
 * acknowledgement (the caller waits beyond it, so a large export needs bounded memory), through
 * an idempotent producer (acks = all; a retried send is not written twice).
 */
import type { IHeaders, Message, Producer } from 'kafkajs';
import { QualityError } from './errors.js';

/** A record to publish. */
export interface OutgoingRecord {
  key: string;
  value: string;
  headers?: IHeaders;
}

/** Publishes records to one topic in batches. */
export class BatchPublisher {
  private pending: Message[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  /** Records acknowledged by the broker. */
  acknowledged = 0;

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly batchRecords: number,
    private readonly maxInFlight: number,
  ) {}

  /** Queues a record; waits while the sends in flight are at their bound. */
  async add(record: OutgoingRecord): Promise<void> {
    this.throwIfFailed();
    this.pending.push(record);
    if (this.pending.length >= this.batchRecords) await this.send();
  }

  /** Sends what is queued and waits for every send to be acknowledged. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.send();
    await Promise.allSettled([...this.inFlight]);
    this.throwIfFailed();
  }

  private async send(): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const messages = this.pending;
    this.pending = [];
    const sending = this.producer
      .send({ topic: this.topic, messages, acks: -1 })
      .then(() => {
        this.acknowledged += messages.length;
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private throwIfFailed(): void {
    if (this.failure === undefined) return;
    throw new QualityError(
      'LS_QUALITY_PUBLISH_FAILED',
      `publishing to ${this.topic} failed: ${(this.failure as Error).message}`,
      { cause: this.failure, retryable: true },
    );
  }
}
