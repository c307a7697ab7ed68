/**
 * Batches events (and dead-letter records) and sends them to Kafka as fast as the broker takes
 * them, keeping every key's messages in order, and tells which rows are acknowledged.
 *
 * Client: @platformatic/kafka's idempotent producer (acks = all, one request in flight per
 * connection). It sends the same batches 2–3× faster than kafkajs did (native CRC32C through
 * @node-rs/crc32, no per-record object churn), and encoding was where the producer's single
 * JavaScript thread spent most of its time. Admin work (topics, metadata) stays on kafkajs.
 *
 * Ordering: each *lane* – its own idempotent producer and connection – owns a fixed share of the
 * partitions (partition % lanes) and has at most one batch in flight. A key always maps to one
 * partition, so its messages leave in row order, while the lanes run in parallel. The emitter
 * chooses every partition itself (the Java client's murmur2 as kafkajs's default partitioner does,
 * see key-partitioner.ts), so keys land where any other Kafka client would put them and a retried
 * request never changes partition.
 *
 * Acknowledgement: a row counts as acknowledged when the batch holding it and every batch holding
 * an earlier row have been acknowledged (acks = all). That is the resume point; see
 * `ackedThrough`.
 */
import type { LakestreamMetrics } from '@lakestream/observability';
import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { ProducerError } from './errors.js';
import { partitionForKey } from './key-partitioner.js';

/** Compression codecs offered (both built into the client, no native codec needed). */
export const COMPRESSIONS = ['none', 'gzip'] as const;
/** One of `COMPRESSIONS`. */
export type Compression = (typeof COMPRESSIONS)[number];

/** Options of a `TopicEmitter`. */
export interface TopicEmitterOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  clientId: string;
  /** Topic of the events. */
  topic: string;
  /** Partitions of `topic` (the emitter assigns partitions itself). */
  partitions: number;
  /** Topic of the dead-letter records. */
  deadLetterTopic: string;
  /** Partitions of `deadLetterTopic`. */
  deadLetterPartitions: number;
  /** Parallel producers, each owning the partitions p with p % lanes == its index. */
  lanes: number;
  /** A batch is sent once it holds this many messages… */
  batchMessages: number;
  /** …or this many bytes of keys and values (keep it under the broker's message.max.bytes). */
  batchBytes: number;
  /** An idle lane sends a partial batch once its oldest message has waited this long. */
  lingerMs: number;
  compression: Compression;
  /** Time the broker may take to acknowledge one request. */
  ackTimeoutMs?: number;
  /**
   * Longest a batch may stay unacknowledged, retries included (the idempotent client retries
   * retriable errors without end); past it the run fails with `LS_PRODUCER_SEND_FAILED`.
   */
  deliveryTimeoutMs?: number;
  /** Shared metrics; the emitter counts under `component="kafka_sink"`. */
  metrics?: LakestreamMetrics;
  /** Called after each acknowledged batch (the acknowledged row may have moved). */
  onAck?: () => void;
}

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/** What one message stands for, to acknowledge its row. */
interface Batch {
  readonly lane: number;
  /** First and last row carried (rows in increasing order). */
  firstRow: number;
  lastRow: number;
  /** Events and dead letters, in row order (one request carries both topics). */
  messages: Message[];
  deadLetters: number;
  bytes: number;
  readonly createdAt: number;
}

interface Lane {
  readonly index: number;
  readonly producer: Producer;
  filling: Batch | undefined;
  /** Sealed batches waiting for the lane, oldest first. */
  readonly queue: Batch[];
  inFlight: Batch | undefined;
  /** The client's own send of `inFlight`, settled (it may outlive a delivery timeout). */
  sending: Promise<void> | undefined;
  lingerTimer: NodeJS.Timeout | undefined;
}

const COMPONENT = 'kafka_sink';
/** Sealed batches per lane (in flight or queued) before `add` asks the caller to wait. */
const SEALED_PER_LANE = 2;

/**
 * The most rows that can be sent but not yet acknowledged at any moment: every lane's sealed
 * batches, one more, and every lane's filling batch. A crash re-sends at most this many rows on
 * resume (the duplicates the sinks absorb).
 */
export function maxUnacknowledgedRows(lanes: number, batchMessages: number): number {
  return ((SEALED_PER_LANE + 1) * lanes + 1) * batchMessages;
}
const DEFAULT_ACK_TIMEOUT_MS = 30_000;
/** Longest `close` waits for sends still in flight (only after a failure: drain waits for all). */
const CLOSE_WAIT_MS = 5_000;
/** Rides out a broker restart or a leadership move (createKafka's kafkajs retries allow ~30 s). */
const DEFAULT_DELIVERY_TIMEOUT_MS = 60_000;

/** Sends events and dead-letter records to Kafka in batches; see the module comment. */
export class TopicEmitter {
  private readonly lanes: Lane[];
  private readonly waiters: (() => void)[] = [];
  private failure: unknown;
  private lastRow = 0;
  private sealed = 0;
  private connected = false;
  private closed = false;
  /** Messages acknowledged, per kind, since the emitter was created. */
  readonly acknowledged = { events: 0, deadLetters: 0, batches: 0 };

  constructor(private readonly options: TopicEmitterOptions) {
    const laneCount = Math.max(1, Math.min(options.lanes, options.partitions));
    this.lanes = Array.from({ length: laneCount }, (_, index) => ({
      index,
      // Idempotent: the client forces acks = all and one request in flight per connection, and
      // retries retriable errors with the same producer id and sequence numbers (no duplicate).
      producer: new Producer({
        clientId: options.clientId,
        bootstrapBrokers: [...options.brokers],
        idempotent: true,
        acks: ProduceAcks.ALL,
        compression: options.compression,
        autocreateTopics: false,
        timeout: options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
        retryDelay: 250,
      }),
      filling: undefined,
      queue: [],
      inFlight: undefined,
      sending: undefined,
      lingerTimer: undefined,
    }));
  }

  /** Connects every lane's producer (and obtains its producer id). */
  async connect(): Promise<void> {
    this.connected = true;
    try {
      await this.withinDeliveryTimeout(
        Promise.all(this.lanes.map((lane) => lane.producer.initIdempotentProducer({}))),
      );
    } catch (err) {
      throw new ProducerError(
        'LS_PRODUCER_SEND_FAILED',
        `Kafka producer could not start: ${describeKafkaError(err)}`,
        { cause: err, retryable: true },
      );
    }
  }

  /**
   * Starts a new input: rows restart from `afterRow` (the resume point, 0 for none). Call only when
   * nothing is pending (after `drain`).
   */
  startInput(afterRow = 0): void {
    this.lastRow = afterRow;
  }

  /**
   * The last row such that it and every row before it are acknowledged by Kafka (or produced no
   * message). Rows after it may or may not have been delivered.
   */
  ackedThrough(): number {
    let oldestUnacked = Number.POSITIVE_INFINITY;
    for (const lane of this.lanes) {
      const oldest = lane.inFlight ?? lane.queue[0] ?? lane.filling;
      if (oldest !== undefined && oldest.firstRow < oldestUnacked) oldestUnacked = oldest.firstRow;
    }
    return Math.min(this.lastRow, oldestUnacked - 1);
  }

  /** Rows waiting in batches or in flight. */
  get pendingBatches(): number {
    return this.sealed + this.lanes.filter((lane) => lane.filling).length;
  }

  /** Adds an event. Returns a promise to await when the emitter wants the caller to slow down. */
  addEvent(row: number, key: string, value: string): Promise<void> | undefined {
    const keyBytes = Buffer.from(key);
    const partition = partitionForKey(keyBytes, this.options.partitions);
    const lane = this.lanes[partition % this.lanes.length]!;
    const message = {
      topic: this.options.topic,
      key: keyBytes,
      value: Buffer.from(value),
      partition,
    };
    return this.add(lane, row, message, message.key.length + message.value.length, false);
  }

  /** Adds a dead-letter record; they travel with the first lane's batches. */
  addDeadLetter(row: number, key: string, value: string): Promise<void> | undefined {
    const keyBytes = Buffer.from(key);
    const message = {
      topic: this.options.deadLetterTopic,
      key: keyBytes,
      value: Buffer.from(value),
      partition: partitionForKey(keyBytes, this.options.deadLetterPartitions),
    };
    return this.add(this.lanes[0]!, row, message, message.key.length + message.value.length, true);
  }

  /** Notes that a row was read but produced no message, so the acknowledged row can pass it. */
  skipRow(row: number): void {
    if (row > this.lastRow) this.lastRow = row;
  }

  private add(
    lane: Lane,
    row: number,
    message: Message,
    bytes: number,
    deadLetter: boolean,
  ): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (row > this.lastRow) this.lastRow = row;
    let batch = lane.filling;
    if (batch !== undefined && batch.bytes + bytes > this.options.batchBytes) {
      this.seal(lane);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = {
        lane: lane.index,
        firstRow: row,
        lastRow: row,
        messages: [],
        deadLetters: 0,
        bytes: 0,
        createdAt: performance.now(),
      };
      lane.filling = batch;
    }
    batch.messages.push(message);
    if (deadLetter) batch.deadLetters++;
    batch.lastRow = row;
    batch.bytes += bytes;
    if (batch.messages.length >= this.options.batchMessages) {
      this.seal(lane);
    } else {
      this.scheduleLinger(lane);
    }
    this.pump(lane);
    // Per lane, one batch in flight and one sealed behind it keep the lane busy; more would only
    // grow the duplicates of a crash.
    if (this.sealed > this.lanes.length * SEALED_PER_LANE) {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    return undefined;
  }

  private seal(lane: Lane): void {
    const batch = lane.filling;
    if (batch === undefined) return;
    lane.filling = undefined;
    if (lane.lingerTimer !== undefined) {
      clearTimeout(lane.lingerTimer);
      lane.lingerTimer = undefined;
    }
    lane.queue.push(batch);
    this.sealed++;
  }

  private scheduleLinger(lane: Lane): void {
    if (lane.lingerTimer !== undefined || lane.filling === undefined) return;
    lane.lingerTimer = setTimeout(() => {
      lane.lingerTimer = undefined;
      // A busy lane keeps filling its batch; an idle one sends what it has.
      if (lane.inFlight === undefined && lane.queue.length === 0) {
        this.seal(lane);
        this.pump(lane);
      } else {
        this.scheduleLinger(lane);
      }
    }, this.options.lingerMs);
  }

  private pump(lane: Lane): void {
    if (lane.inFlight !== undefined || this.failure !== undefined) return;
    const batch = lane.queue.shift();
    if (batch === undefined) return;
    lane.inFlight = batch;
    void this.send(lane, batch);
  }

  private async send(lane: Lane, batch: Batch): Promise<void> {
    const { metrics } = this.options;
    const started = performance.now();
    const delivery = lane.producer.send({ messages: batch.messages });
    const sending = delivery.then(ignore, ignore);
    lane.sending = sending;
    void sending.then(() => {
      if (lane.sending === sending) lane.sending = undefined;
    });
    try {
      await this.withinDeliveryTimeout(delivery);
    } catch (err) {
      const retryable = isRetryable(err);
      this.failure ??= new ProducerError(
        'LS_PRODUCER_SEND_FAILED',
        `Kafka did not acknowledge rows ${batch.firstRow}–${batch.lastRow}: ${describeKafkaError(err)}`,
        { cause: err, retryable, details: { firstRow: batch.firstRow, lastRow: batch.lastRow } },
      );
      metrics?.errors.inc({ component: COMPONENT, code: 'LS_PRODUCER_SEND_FAILED' });
      // The failed batch stays in flight forever, so the acknowledged row never passes it.
      this.wakeAll();
      return;
    }
    lane.inFlight = undefined;
    this.sealed--;
    const count = batch.messages.length;
    this.acknowledged.events += count - batch.deadLetters;
    this.acknowledged.deadLetters += batch.deadLetters;
    this.acknowledged.batches++;
    if (metrics) {
      metrics.sentEvents.inc({ component: COMPONENT }, count);
      metrics.sentBytes.inc({ component: COMPONENT }, batch.bytes);
      metrics.batchSize.observe({ component: COMPONENT }, count);
      metrics.batchDuration.observe({ component: COMPONENT }, (performance.now() - started) / 1000);
      metrics.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
    }
    this.pump(lane);
    this.options.onAck?.();
    this.waiters.shift()?.();
    if (this.idle()) this.wakeAll();
  }

  private idle(): boolean {
    return this.lanes.every((lane) => !lane.inFlight && lane.queue.length === 0 && !lane.filling);
  }

  private wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * Sends everything pending and waits for every acknowledgement. Throws the send failure, if
   * any (the rows it covers are then not acknowledged).
   */
  async drain(): Promise<void> {
    for (const lane of this.lanes) {
      this.seal(lane);
      this.pump(lane);
    }
    while (!this.idle() && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** `work`, or a rejection once the delivery timeout has passed. */
  private async withinDeliveryTimeout<T>(work: Promise<T>): Promise<T> {
    const limit = this.options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DeliveryTimeout(`not acknowledged within ${limit} ms`)),
        limit,
      );
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The send failure, if a batch could not be delivered. */
  get failed(): unknown {
    return this.failure;
  }

  /** Disconnects every producer; idempotent. Does not drain: call `drain` first to deliver. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lane of this.lanes) {
      if (lane.lingerTimer !== undefined) clearTimeout(lane.lingerTimer);
    }
    this.wakeAll();
    if (!this.connected) return;
    // After a failure the other lanes may still be sending. Let them finish first: the client
    // (1.22) throws an uncaught TypeError when closed between starting a send and connecting.
    // A send still retrying after the wait is ended by the close (its rows stay unacknowledged).
    const sending = this.lanes.flatMap((lane) => (lane.sending ? [lane.sending] : []));
    if (sending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(sending),
        new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    await Promise.allSettled(this.lanes.map((lane) => lane.producer.close()));
  }
}

function ignore(): void {}

/** A batch (or the start-up) outlived `deliveryTimeoutMs`; a later run may well succeed. */
class DeliveryTimeout extends Error {
  readonly retryable = true;
}

interface KafkaErrorLike {
  message?: string;
  errors?: unknown[];
  canRetry?: boolean;
  retryable?: boolean;
  code?: string;
}

/** The broker's own reasons, not only the client's "Producing messages failed." wrapper. */
function describeKafkaError(err: unknown): string {
  const reasons: string[] = [];
  const visit = (e: unknown): void => {
    const error = e as KafkaErrorLike;
    if (Array.isArray(error?.errors) && error.errors.length > 0) {
      for (const inner of error.errors) visit(inner);
    } else if (error?.message) {
      reasons.push(error.message);
    }
  };
  visit(err);
  const unique = [...new Set(reasons)];
  return unique.length > 0 ? unique.join('; ') : String(err);
}

/** Whether every reason of a failure could pass on a later try (network, timeouts, leadership). */
function isRetryable(err: unknown): boolean {
  const error = err as KafkaErrorLike;
  if (Array.isArray(error?.errors) && error.errors.length > 0) {
    return error.errors.every(isRetryable);
  }
  return error?.retryable === true || error?.canRetry === true || error?.code === 'PLT_KFK_NETWORK';
}
