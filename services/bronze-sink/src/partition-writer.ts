import { isObjectExists, type ObjectStore } from '@lakestream/object-store';
import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import type { Admin, Batch, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { BronzeSinkError, isFencedError, metricCode } from './errors.js';
import { buildManifest, manifestKey } from './manifest.js';
import { ObjectBuffer, type RotationLimits } from './object-buffer.js';
import { bronzeObjectKey, hourOf } from './object-key.js';
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
 * The transactional id of a partition. One per (group, topic, partition), the same in every
 * instance: whoever takes the partition over initialises it, which bumps the producer epoch and
 * fences the previous owner – a crashed process, or a live one that has not noticed yet – so
 * its transaction can never commit. A per-instance id would only fence the same instance's
 * previous run, and two instances could then both move a partition's offsets.
 */
export function transactionalIdOf(groupId: string, topic: string, partition: number): string {
  return `${groupId}.${topic}.${partition}`;
}

type State = 'new' | 'ready' | 'resync' | 'revoked';

/**
 * Turns one partition's records into bronze objects, exactly once. The cycle per object:
 * buffer (gzip as records arrive) → create the object under its deterministic key, create-only →
 * one Kafka transaction producing its manifest and committing the offsets past it.
 *
 * Invariants, and why they hold:
 * - Only the latest owner commits: `setup` fences the partition's transactional id before it
 *   reads the committed offset, so no earlier owner can move the offset afterwards.
 * - Objects start where the committed offset says: `setup` positions the consumer there.
 * - A committed object is never replaced: objects are created create-only, and the only deletes
 *   are of the object starting at the first record at or after the committed offset (a leftover of
 *   an uncommitted flush, never a committed object).
 * - At most one uncommitted object exists per partition: flushes run one after the other, and
 *   an object is committed before the next is created. A leftover therefore always starts at the
 *   committed offset, i.e. at the replay's first record – where `removeLeftover` looks for it.
 */
export class PartitionWriter {
  readonly topic: string;
  readonly partition: number;
  readonly transactionalId: string;
  private state: State = 'new';
  /** Bumped whenever buffered work becomes void (failure, revoke); stale flushes check it. */
  private session = 0;
  private producer: Producer | undefined;
  /** Offset after the last committed object. */
  private committed = -1;
  /** Next offset to buffer. */
  private next = -1;
  /** The first record after `setup` must first remove a leftover object at its key. */
  private leftoverCheck = false;
  /** Whether the consumer was already asked to seek in this session (seek once, then trust it). */
  private sought = false;
  private open: ObjectBuffer | undefined;
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
  /** Bumped by each seek: batches fetched before it are stale and skipped. */
  private positionEpoch = 0;
  private readonly encode: (message: KafkaMessage) => EncodedLine;
  private readonly log: Logger;
  private readonly labels: { topic: string; partition: string };

  constructor(private readonly options: PartitionWriterOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.transactionalId = transactionalIdOf(options.groupId, options.topic, options.partition);
    this.encode = createLineEncoder(options.topic, options.partition);
    this.log = options.logger.child({ topic: options.topic, partition: options.partition });
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
   * Takes ownership: fence the transactional id, then read where the group's committed offset
   * stands (now stable: nobody else can move it), falling back to the partition's first offset.
   */
  private async setup(): Promise<void> {
    const { kafka, admin, groupId, topic, partition } = this.options;
    this.session++;
    this.dropOpen();
    await this.tail;
    await this.options.previous;
    await this.closeProducer();
    if (this.revoked) return;
    try {
      const producer = kafka.producer({
        transactionalId: this.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: this.options.transactionTimeoutMs,
      });
      this.producer = producer;
      await producer.connect();
      // kafkajs initialises the transactional producer id on the first transaction: InitProducerId
      // bumps the epoch and completes or aborts whatever transaction a previous owner left open.
      const fence = await producer.transaction();
      await fence.abort();
      if (this.revoked) {
        // Revoked while taking it: the next owner fences again; only let go of the producer.
        await this.closeProducer();
        return;
      }
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      let start = Number(
        committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
      );
      if (start < 0) {
        const offsets = await admin.fetchTopicOffsets(topic);
        start = Number(offsets.find((o) => o.partition === partition)?.low ?? 0);
      }
      this.committed = start;
      this.next = start;
      this.leftoverCheck = true;
      this.sought = false;
      this.state = 'ready';
      this.log.info(
        { committedOffset: start, transactionalId: this.transactionalId },
        'partition taken: producer fenced, resuming at the committed offset',
      );
    } catch (err) {
      this.options.metrics.errors.inc({ component: COMPONENT, code: 'LS_BRONZE_SETUP_FAILED' });
      throw new BronzeSinkError('LS_BRONZE_SETUP_FAILED', `cannot take ${topic}/${partition}`, {
        cause: err,
        retryable: true,
        details: { topic, partition },
      });
    }
  }

  /**
   * Queues a fetched batch for encoding and returns at once, so that kafkajs – which fetches
   * only once the handler has returned – fetches the next batches while this one is encoded.
   * Waits (back-pressure) only when the partition already has batches queued.
   */
  enqueue(batch: Batch): Promise<void> {
    const epoch = this.positionEpoch;
    return this.schedule(async () => {
      // Fetched before the last seek: not where this partition now reads.
      if (epoch !== this.positionEpoch) return;
      const { seekTo } = await this.accept(batch);
      if (seekTo !== undefined) this.seekTo(seekTo);
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

  /** Moves the consumer; batches fetched before are skipped (kafkajs drops those fetched after). */
  private seekTo(offset: string): void {
    this.positionEpoch++;
    this.sought = true;
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
    this.positionEpoch++;
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
    if (this.state === 'new') {
      await this.setup();
      // Wherever kafkajs was reading, the committed offset is where to read now.
      this.sought = false;
    }
    this.highWatermark = Number(batch.highWatermark);
    const fetchedOffset = (batch as Batch & { fetchedOffset?: string }).fetchedOffset;
    if (!this.sought && fetchedOffset !== undefined && Number(fetchedOffset) !== this.next) {
      // The consumer's position came from its own (earlier) read of the committed offset, or from a
      // previous generation: move it to ours. Once only – if the broker then starts elsewhere
      // (retention removed our offset), that is where the data is.
      this.sought = true;
      return { seekTo: String(this.next) };
    }
    this.sought = true;
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
        await this.removeLeftover(encoded);
        this.leftoverCheck = false;
        if (this.session !== session) break;
      }
      if (this.open && (this.open.hour !== hour || this.open.wouldExceed(encoded.bytes, limits))) {
        await this.rotate();
        // The flush waited for may have failed, voiding everything buffered since.
        if (this.session !== session) break;
      }
      if (this.open) this.open.append(encoded);
      else this.open = new ObjectBuffer(encoded, hour, this.options.gzipLevel);
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

  /**
   * An uncommitted flush (crash, fenced owner) may have left an object at exactly the key the
   * replay's first object gets: remove it before anything else, so the store never holds an
   * object overlapping the committed ones for longer than it takes to reach this record.
   */
  private async removeLeftover(first: EncodedLine): Promise<void> {
    const key = bronzeObjectKey(this.topic, this.partition, first.offset, first.timestampMs);
    let found = false;
    for await (const info of this.options.store.list(key)) if (info.key === key) found = true;
    if (!found) return;
    await this.options.store.delete(key);
    this.log.warn({ key }, 'removed a leftover object of an uncommitted flush');
  }

  /** Closes the open buffer into a flush; resolves when the flush before it has finished. */
  private rotate(): Promise<void> {
    const buffer = this.open;
    if (!buffer) return Promise.resolve();
    this.open = undefined;
    const session = this.session;
    const before = this.tail;
    this.pendingFlushes++;
    this.tail = before
      .then(() => this.flush(buffer, session))
      .finally(() => {
        this.pendingFlushes--;
      });
    // Back-pressure: at most one flush running and one queued behind it.
    return this.pendingFlushes > 1 ? before : Promise.resolve();
  }

  /** Writes one object and commits it. Never rejects: a failure voids the session instead. */
  private async flush(buffer: ObjectBuffer, session: number): Promise<void> {
    const { store, metrics } = this.options;
    if (session !== this.session) {
      buffer.discard();
      return;
    }
    const started = performance.now();
    try {
      const object = await buffer.seal();
      if (session !== this.session) return;
      const key = bronzeObjectKey(
        this.topic,
        this.partition,
        object.firstOffset,
        object.firstTimestampMs,
      );
      try {
        await store.put(key, object.body, { ifNotExists: true, contentType: 'application/gzip' });
      } catch (err) {
        if (!isObjectExists(err)) throw err;
        throw new BronzeSinkError('LS_BRONZE_OBJECT_CONFLICT', `object ${key} already exists`, {
          cause: err,
          details: { key },
        });
      }
      // From here the object is durable. Committing is right even if the partition was revoked
      // meanwhile: if another instance took it, it fenced this producer and the commit fails.
      const manifest = buildManifest({
        object,
        topic: this.topic,
        partition: this.partition,
        key,
        uri: store.uri(key),
        writer: this.options.writer,
      });
      const nextOffset = object.lastOffset + 1;
      const commitStarted = performance.now();
      await this.commit(JSON.stringify(manifest), nextOffset);
      metrics.commitDuration.observe(
        { component: COMPONENT },
        (performance.now() - commitStarted) / 1000,
      );
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

  /** One transaction: the manifest, and the group's offset past the object. */
  private async commit(manifest: string, nextOffset: number): Promise<void> {
    const { manifestTopic, groupId } = this.options;
    const producer = this.producer;
    if (!producer) throw new BronzeSinkError('LS_BRONZE_COMMIT_FAILED', 'no producer');
    const transaction = await producer.transaction();
    try {
      await transaction.send({
        topic: manifestTopic,
        messages: [{ key: manifestKey(this.topic, this.partition), value: manifest }],
      });
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          {
            topic: this.topic,
            partitions: [{ partition: this.partition, offset: String(nextOffset) }],
          },
        ],
      });
      await transaction.commit();
    } catch (err) {
      await transaction.abort().catch(() => {});
      const fenced = isFencedError(err);
      throw new BronzeSinkError(
        fenced ? 'LS_BRONZE_FENCED' : 'LS_BRONZE_COMMIT_FAILED',
        fenced
          ? `${this.topic}/${this.partition} was taken over by another instance`
          : `transaction for ${this.topic}/${this.partition} failed`,
        {
          cause: err,
          retryable: !fenced,
          details: { topic: this.topic, partition: this.partition, nextOffset },
        },
      );
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
    await this.closeProducer();
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

  private async closeProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch((err: unknown) => {
      this.log.warn({ err }, 'closing the transactional producer failed');
    });
  }
}
