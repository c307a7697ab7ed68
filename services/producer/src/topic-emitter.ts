/**
 * Batches events (and dead-letter records) and sends them to Kafka as fast as the broker takes
 * them, keeping every key's messages in order, and tells which rows are acknowledged.
 *
 * Ordering: kafkajs's idempotent producer serialises produce requests per broker, and concurrent
 * `sendBatch` calls race through metadata look-ups before taking that lock, so two batches sent
 * at once by one producer may reach a partition in either order. Instead each *lane* – its own
 * idempotent producer and connection – owns a fixed share of the partitions (partition % lanes)
 * and has at most one batch in flight. A key always maps to one partition, so its messages leave
 * in row order, while the lanes run in parallel.
 *
 * Acknowledgement: a row counts as acknowledged when the batch holding it and every batch holding
 * an earlier row have been acknowledged (acks = all). That is the resume point; see
 * `ackedThrough`.
 */
import type { LakestreamMetrics } from '@lakestream/observability';
import {
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type PartitionMetadata,
  type Producer,
} from 'kafkajs';
import { ProducerError } from './errors.js';

/** Compression codecs kafkajs has built in (others need codec packages). */
export const COMPRESSIONS = ['none', 'gzip'] as const;
/** One of `COMPRESSIONS`. */
export type Compression = (typeof COMPRESSIONS)[number];

/** Options of a `TopicEmitter`. */
export interface TopicEmitterOptions {
  kafka: Kafka;
  /** Topic of the events. */
  topic: string;
  /** Partitions of `topic` (the emitter assigns partitions itself). */
  partitions: number;
  /** Topic of the dead-letter records. */
  deadLetterTopic: string;
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
  /** Shared metrics; the emitter counts under `component="kafka_sink"`. */
  metrics?: LakestreamMetrics;
  /** Called after each acknowledged batch (the acknowledged row may have moved). */
  onAck?: () => void;
}

/** What one message stands for, to acknowledge its row. */
interface Batch {
  readonly lane: number;
  /** First and last row carried (rows in increasing order). */
  firstRow: number;
  lastRow: number;
  events: Message[];
  deadLetters: Message[];
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
const KAFKA_COMPRESSION: Readonly<Record<Compression, CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
};

/** Sends events and dead-letter records to Kafka in batches; see the module comment. */
export class TopicEmitter {
  private readonly lanes: Lane[];
  private readonly partitionFor: (key: string) => number;
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
      producer: options.kafka.producer({
        idempotent: true,
        // Required by idempotence in kafkajs; the lanes provide the parallelism instead.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      }),
      filling: undefined,
      queue: [],
      inFlight: undefined,
      lingerTimer: undefined,
    }));
    // kafkajs's default (Java-compatible murmur2) partitioner, so keys land where any other
    // Kafka client would put them.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from(
      { length: options.partitions },
      (_, partitionId): PartitionMetadata => ({
        partitionId,
        partitionErrorCode: 0,
        leader: 0,
        replicas: [0],
        isr: [0],
      }),
    );
    const topic = options.topic;
    this.partitionFor = (key) =>
      partitioner({ topic, partitionMetadata, message: { key, value: null } });
  }

  /** Connects every lane's producer. */
  async connect(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.producer.connect()));
    this.connected = true;
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
    const partition = this.partitionFor(key);
    const lane = this.lanes[partition % this.lanes.length]!;
    const bytes = Buffer.from(value);
    return this.add(lane, row, { key, value: bytes, partition }, key.length + bytes.length, false);
  }

  /** Adds a dead-letter record; they travel with the first lane's batches. */
  addDeadLetter(row: number, key: string, value: string): Promise<void> | undefined {
    const bytes = Buffer.from(value);
    return this.add(this.lanes[0]!, row, { key, value: bytes }, key.length + bytes.length, true);
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
        events: [],
        deadLetters: [],
        bytes: 0,
        createdAt: performance.now(),
      };
      lane.filling = batch;
    }
    (deadLetter ? batch.deadLetters : batch.events).push(message);
    batch.lastRow = row;
    batch.bytes += bytes;
    if (batch.events.length + batch.deadLetters.length >= this.options.batchMessages) {
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
    const topicMessages = [];
    if (batch.events.length > 0)
      topicMessages.push({ topic: this.options.topic, messages: batch.events });
    if (batch.deadLetters.length > 0)
      topicMessages.push({ topic: this.options.deadLetterTopic, messages: batch.deadLetters });
    try {
      await lane.producer.sendBatch({
        topicMessages,
        acks: -1,
        timeout: this.options.ackTimeoutMs ?? 30_000,
        compression: KAFKA_COMPRESSION[this.options.compression],
      });
    } catch (err) {
      const retryable = (err as { retriable?: boolean }).retriable === true;
      this.failure ??= new ProducerError(
        'LS_PRODUCER_SEND_FAILED',
        `Kafka did not acknowledge rows ${batch.firstRow}–${batch.lastRow}: ${(err as Error).message}`,
        { cause: err, retryable, details: { firstRow: batch.firstRow, lastRow: batch.lastRow } },
      );
      metrics?.errors.inc({ component: COMPONENT, code: 'LS_PRODUCER_SEND_FAILED' });
      // The failed batch stays in flight forever, so the acknowledged row never passes it.
      this.wakeAll();
      return;
    }
    lane.inFlight = undefined;
    this.sealed--;
    const count = batch.events.length + batch.deadLetters.length;
    this.acknowledged.events += batch.events.length;
    this.acknowledged.deadLetters += batch.deadLetters.length;
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
    if (this.connected) await Promise.allSettled(this.lanes.map((l) => l.producer.disconnect()));
  }
}
