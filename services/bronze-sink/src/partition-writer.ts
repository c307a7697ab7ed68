import { bronzeObjectKey, hourOf } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import type { Admin, Batch, Kafka, KafkaMessage } from 'kafkajs';
import { BronzeSinkError, metricCode } from './errors.js';
import { FetchPosition } from './fetch-position.js';
import { removeLeftover } from './leftover-cleanup.js';
import { ObjectBuffer, type RotationLimits } from './object-buffer.js';
import { publishObject } from './object-publish.js';
import { PartitionOwnership } from './partition-ownership.js';
import type { TransactionTarget } from './partition-transaction.js';
import { createLineEncoder, type EncodedLine, parseOffset } from './record-line.js';

/** The metrics `component` label of the sink. */
export const COMPONENT = 'bronze_sink';

/** What a partition writer needs from the sink. */
export interface PartitionWriterOptions {
  topic: string;
  partition: number;
  groupId: string;
  manifestTopic: string;
  /** Instance id, written into manifests. */
  writer: string;
  kafka: Kafka;
  admin: Admin;
  store: ObjectStore;
  limits: RotationLimits;
  gzipLevel: number;
  transactionTimeoutMs: number;
  /** Pause before re-taking a partition after being fenced (the rebalance that moves it should come first). */
  fencedBackoffMs: number;
  /** Repositions the consumer on this partition (kafkajs `consumer.seek`). */
  seek: (offset: string) => void;
  logger: Logger;
  metrics: LakestreamMetrics;
  /** Settles when this process's previous writer of the partition has let go of it. */
  previous?: Promise<void>;
}

/** What the consumer must do after a batch. */
interface AcceptResult {
  /** Reposition the partition here: the batch was not where the committed offset says to read. */
  seekTo?: string;
}

/** Batches a partition may have waiting behind the one being encoded before `enqueue` waits. */
const MAX_QUEUED_BATCHES = 2;
/** Pause before retrying a failed set-up (Kafka or the store unreachable). */
const SETUP_RETRY_MS = 1_000;
/**
 * Batches refused in a row (not at the expected offset, each followed by a seek there) before
 * the partition is taken again from scratch: a few are batches fetched before a seek; more mean
 * the broker no longer starts at that offset (retention deleted it), which set-up sorts out.
 */
const MAX_REFUSED_BATCHES = 10;

type State = 'new' | 'ready' | 'resync' | 'revoked';

/**
 * Turns one partition's records into bronze objects, exactly once. The cycle per object:
 * buffer (gzip as records arrive) → create the object under its deterministic key, create-only →
 * one Kafka transaction producing its manifest and committing the offsets past it.
 *
 * Invariants, and why they hold:
 * - Only the latest owner commits: `setup` fences the partition's transactional id before it
 *   reads the committed offset (`PartitionOwnership`), so no earlier owner can move it afterwards.
 * - Objects start where the committed offset says: `setup` positions the consumer there, and a
 *   batch is taken only if it starts exactly where the records taken so far end (`FetchPosition`):
 *   one fetched before a seek and handed over after it is refused. Each manifest records the
 *   offset its object's records were read from (`start_offset`, the previous object's
 *   `next_offset`), so a reader can check that a partition's objects leave no gap.
 * - A committed object is never replaced: objects are created create-only, and the only deletes
 *   are of the object starting at the first record at or after the committed offset (a leftover of
 *   an uncommitted flush, never a committed object), each made only after this writer has proved
 *   it still owns the partition and naming the generation it listed (`removeLeftover`).
 * - At most one uncommitted object exists per partition: flushes run one after the other, and
 *   an object is committed before the next is created. A leftover therefore always starts at the
 *   committed offset, i.e. at the replay's first record – where `removeLeftover` looks for it.
 */
export class PartitionWriter {
  readonly topic: string;
  readonly partition: number;
  private state: State = 'new';
  /** Bumped whenever buffered work becomes void (failure, revoke); stale flushes check it. */
  private session = 0;
  /** The partition's fenced transactional producer. */
  private readonly ownership: PartitionOwnership;
  /** Offset after the last committed object. */
  private committed = -1;
  /** Next offset to buffer: every offset before it is in an object, committed or open. */
  private next = -1;
  /** Where the consumer's next batch must start (see `FetchPosition`). */
  private readonly position = new FetchPosition();
  /** The first record after `setup` must first remove a leftover object at its key. */
  private leftoverCheck = false;
  private open: ObjectBuffer | undefined;
  /** The offset the open object's records were read from: `next` when it was opened. */
  private openStart = -1;
  /** The chain of flushes; never rejects. */
  private tail: Promise<void> = Promise.resolve();
  private pendingFlushes = 0;
  private highWatermark = -1;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Intake stopped (shutdown): batches are ignored, no resync is started. */
  private stopped = false;
  /** Batches waiting or being encoded, in fetch order; never rejects. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly encode: (message: KafkaMessage) => EncodedLine;
  private readonly log: Logger;
  private readonly labels: { topic: string; partition: string };

  constructor(private readonly options: PartitionWriterOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.encode = createLineEncoder(options.topic, options.partition);
    this.log = options.logger.child({ topic: options.topic, partition: options.partition });
    this.ownership = new PartitionOwnership({
      topic: options.topic,
      partition: options.partition,
      groupId: options.groupId,
      kafka: options.kafka,
      admin: options.admin,
      transactionTimeoutMs: options.transactionTimeoutMs,
      logger: this.log,
      countError: (code) => options.metrics.errors.inc({ component: COMPONENT, code }),
    });
    this.labels = { topic: options.topic, partition: String(options.partition) };
  }

  /** Whether the partition was revoked (a getter: the state changes across awaits). */
  private get revoked(): boolean {
    return this.state === 'revoked';
  }

  /** Records taken in but not yet in a committed object. */
  get uncommittedRecords(): number {
    return this.committed < 0 || this.next < 0 ? 0 : Math.max(0, this.next - this.committed);
  }

  /**
   * Takes the partition (again): voids what is buffered, waits for earlier flushes and for this
   * process's previous writer, then fences and resumes at the committed offset.
   */
  private async setup(): Promise<void> {
    this.session++;
    this.dropOpen();
    await this.tail;
    await this.options.previous;
    await this.ownership.release();
    if (this.revoked) return;
    const taken = await this.ownership.take(() => this.revoked);
    if (!taken) return;
    this.committed = taken.committed;
    this.next = taken.start;
    this.position.reset(taken.start);
    this.leftoverCheck = true;
    this.state = 'ready';
  }

  /**
   * Queues a fetched batch for encoding and returns at once, so that kafkajs – which fetches
   * only once the handler has returned – fetches the next batches while this one is encoded.
   * Waits (back-pressure) only when the partition already has batches queued.
   */
  enqueue(batch: Batch): Promise<void> {
    return this.schedule(async () => {
      const { seekTo } = await this.accept(batch);
      if (seekTo !== undefined) this.seekTo(seekTo);
    });
  }

  /**
   * kafkajs passed over a fetched batch of only transaction markers or aborted records (it never
   * hands those over): in fetch order with the batches, the expected offset moves past it.
   */
  skipped(firstOffset: number, lastOffset: number): void {
    void this.schedule(async () => {
      if (this.state === 'ready') this.position.skip(firstOffset, lastOffset);
    });
  }

  /** Runs `task` after everything queued before it; resolves when there is room for more. */
  private schedule(task: () => Promise<void>): Promise<void> {
    this.queued++;
    this.queue = this.queue
      .then(task)
      .catch((err: unknown) => {
        this.options.metrics.errors.inc({ component: COMPONENT, code: metricCode(err) });
        this.log.error({ err }, 'cannot take records in; re-taking the partition shortly');
        this.resync(SETUP_RETRY_MS);
      })
      .finally(() => {
        this.queued--;
      });
    return this.queued > MAX_QUEUED_BATCHES ? this.queue : Promise.resolve();
  }

  /** Moves the consumer; only a batch starting exactly there is taken next. */
  private seekTo(offset: string): void {
    this.position.seek(Number(offset));
    this.options.seek(offset);
  }

  /**
   * Voids what is buffered and, after `delayMs`, takes the partition again: fence, read the
   * committed offset, seek there. Scheduled by the writer itself – records already fetched and
   * dropped must be fetched again even if no new record ever arrives.
   */
  private resync(delayMs: number): void {
    if (this.state === 'revoked' || this.stopped) return;
    this.session++;
    this.dropOpen();
    this.state = 'resync';
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      void this.schedule(async () => {
        if (this.state !== 'resync' || this.stopped) return;
        await this.setup();
        this.seekTo(String(this.next));
      });
    }, delayMs);
  }

  /** Resolves when every queued batch has been taken in. */
  async settle(): Promise<void> {
    await this.queue;
  }

  /** Stops taking records (shutdown): what is buffered can still be flushed. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.resyncTimer);
  }

  /**
   * Buffers a fetched batch, closing objects as limits are reached. Resolves when the records are
   * buffered – not when they are durable – waiting only when two objects are already in flight.
   */
  private async accept(batch: Batch): Promise<AcceptResult> {
    // Revoked, stopping, or a resync is due (it seeks back to the committed offset itself).
    if (this.state === 'revoked' || this.state === 'resync' || this.stopped) return {};
    if (this.state === 'new') await this.setup();
    if (this.state !== 'ready') return {};
    this.highWatermark = Number(batch.highWatermark);
    const { fetchedOffset } = batch as Batch & { fetchedOffset: string };
    if (!this.position.take(Number(fetchedOffset), Number(batch.lastOffset()))) {
      // Not where this partition reads: fetched before a seek, or from the consumer's own earlier
      // position. Its records may lie past the expected offset; taking them would lose the gap.
      const expected = this.position.offset;
      this.log.debug({ fetchedOffset, expected }, 'refusing a batch not at the expected offset');
      if (this.position.refused > MAX_REFUSED_BATCHES) {
        throw new BronzeSinkError(
          'LS_BRONZE_POSITION_LOST',
          `${this.topic}/${this.partition}: the consumer keeps fetching at ${fetchedOffset}, not at ${expected}`,
          { retryable: true, details: { fetchedOffset: Number(fetchedOffset), expected } },
        );
      }
      return { seekTo: String(expected) };
    }
    const session = this.session;
    const { limits, metrics } = this.options;
    let accepted = 0;
    let acceptedBytes = 0;
    for (const message of batch.messages) {
      if (this.state !== 'ready' || this.session !== session) break;
      if (parseOffset(message.offset) < this.next) continue; // already buffered, or committed
      const encoded = this.encode(message);
      const hour = hourOf(encoded.timestampMs);
      if (this.leftoverCheck) {
        await this.removeLeftoverAt(encoded);
        this.leftoverCheck = false;
        if (this.session !== session) break;
      }
      if (this.open && (this.open.hour !== hour || this.open.wouldExceed(encoded.bytes, limits))) {
        await this.rotate();
        // The flush waited for may have failed, voiding everything buffered since.
        if (this.session !== session) break;
      }
      if (this.open) this.open.append(encoded);
      else {
        this.open = new ObjectBuffer(encoded, hour, this.options.gzipLevel);
        this.openStart = this.next;
      }
      this.next = encoded.offset + 1;
      accepted++;
      acceptedBytes += message.value?.length ?? 0;
      if (this.open.isFull(limits)) await this.rotate();
    }
    metrics.receivedEvents.inc({ component: COMPONENT }, accepted);
    metrics.receivedBytes.inc({ component: COMPONENT }, acceptedBytes);
    this.updateLag();
    return {};
  }

  /** Where this partition's transactions go. */
  private get target(): TransactionTarget {
    const { groupId, manifestTopic } = this.options;
    return { topic: this.topic, partition: this.partition, groupId, manifestTopic };
  }

  /**
   * An uncommitted flush (crash, fenced owner) may have left an object at exactly the key the
   * replay's first object gets: remove it before anything else, so the store never holds an
   * object overlapping the committed ones for longer than it takes to reach this record.
   */
  private async removeLeftoverAt(first: EncodedLine): Promise<void> {
    const key = bronzeObjectKey(this.topic, this.partition, first.offset, first.timestampMs);
    const session = this.session;
    await removeLeftover(key, {
      target: this.target,
      store: this.options.store,
      admin: this.options.admin,
      producer: this.ownership.producer,
      committed: this.committed,
      stillMine: () => this.state === 'ready' && this.session === session,
      logger: this.log,
    });
  }

  /** Closes the open buffer into a flush; resolves when the flush before it has finished. */
  private rotate(): Promise<void> {
    const buffer = this.open;
    if (!buffer) return Promise.resolve();
    this.open = undefined;
    const session = this.session;
    const startOffset = this.openStart;
    const before = this.tail;
    this.pendingFlushes++;
    this.tail = before
      .then(() => this.flush(buffer, session, startOffset))
      .finally(() => {
        this.pendingFlushes--;
      });
    // Back-pressure: at most one flush running and one queued behind it.
    return this.pendingFlushes > 1 ? before : Promise.resolve();
  }

  /** Writes one object and commits it. Never rejects: a failure voids the session instead. */
  private async flush(buffer: ObjectBuffer, session: number, startOffset: number): Promise<void> {
    const { metrics } = this.options;
    if (session !== this.session) {
      buffer.discard();
      return;
    }
    const started = performance.now();
    try {
      const object = await buffer.seal();
      if (session !== this.session) return;
      const { key, nextOffset, commitSeconds } = await publishObject(object, startOffset, {
        store: this.options.store,
        target: this.target,
        producer: this.ownership.producer,
        writer: this.options.writer,
      });
      metrics.commitDuration.observe({ component: COMPONENT }, commitSeconds);
      this.committed = nextOffset;
      metrics.batchSize.observe({ component: COMPONENT }, object.recordCount);
      metrics.batchDuration.observe({ component: COMPONENT }, (performance.now() - started) / 1000);
      metrics.sentEvents.inc({ component: COMPONENT }, object.recordCount);
      metrics.sentBytes.inc({ component: COMPONENT }, object.body.length);
      metrics.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
      this.updateLag();
      this.log.debug(
        {
          key,
          records: object.recordCount,
          bytes: object.body.length,
          firstOffset: object.firstOffset,
          lastOffset: object.lastOffset,
        },
        'object committed',
      );
    } catch (err) {
      this.fail(err, session);
    }
  }

  /**
   * A flush failed: what is buffered after it can no longer be committed in order. Drop it all and
   * start over from the committed offset – `setup` re-reads it, so a transaction whose outcome was
   * unknown is settled either way, and re-fences.
   */
  private fail(err: unknown, session: number): void {
    const code = metricCode(err);
    this.options.metrics.errors.inc({ component: COMPONENT, code });
    if (session !== this.session || this.state === 'revoked') return;
    if (code === 'LS_BRONZE_FENCED') {
      // Most likely the partition now belongs to another instance and the rebalance telling us so
      // is on its way; re-taking it at once would fence that owner in turn.
      this.log.warn({ err }, 'fenced by a newer owner of the partition; dropping buffered records');
      this.resync(this.options.fencedBackoffMs);
    } else {
      this.log.error(
        { err },
        'flush failed; dropping buffered records and resuming from the committed offset',
      );
      this.resync(SETUP_RETRY_MS);
    }
  }

  /** Closes the open buffer when it has been idle or open too long (the idle flush). */
  flushIfDue(now: number, idleMs: number, maxAgeMs: number): void {
    const open = this.open;
    if (!open || this.state !== 'ready') return;
    if (now - open.lastAppendAt >= idleMs || now - open.openedAt >= maxAgeMs) void this.rotate();
  }

  /** Closes the open buffer into a flush (shutdown). */
  flushNow(): void {
    if (this.state === 'ready') void this.rotate();
  }

  /** Resolves when every flush started so far has finished (committed or failed). */
  async drain(): Promise<void> {
    await this.tail;
  }

  /**
   * The partition is no longer ours (rebalance, shutdown): buffered records are dropped, never
   * half-written; a flush already uploading finishes (its commit succeeds only if nobody fenced
   * us), then the producer is closed.
   */
  async revoke(): Promise<void> {
    clearTimeout(this.resyncTimer);
    if (this.state !== 'revoked') {
      this.state = 'revoked';
      this.session++;
      this.dropOpen();
      this.options.metrics.consumerLag.remove(this.labels);
    }
    // A batch being taken in (or a set-up under way) finishes first: it sees the revocation and
    // stops, and the producer it may have made is closed below.
    await this.queue;
    await this.tail;
    await this.ownership.release();
  }

  private dropOpen(): void {
    this.open?.discard();
    this.open = undefined;
    if (this.committed >= 0) this.next = this.committed;
  }

  private updateLag(): void {
    if (this.highWatermark < 0 || this.committed < 0 || this.state === 'revoked') return;
    this.options.metrics.consumerLag.set(
      this.labels,
      Math.max(0, this.highWatermark - this.committed),
    );
  }
}
