import { isRetryable } from '@lakestream/config';
import {
  createManagedConsumer,
  ensureTopics,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import { faultPoint, type LakestreamMetrics, type Logger } from '@lakestream/observability';
import {
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type pg from 'pg';
import { readClusterId } from './cluster-id.js';
import type { AuditSinkConfig } from './config.js';
import { type DeadLetter, publishDeadLetters } from './dead-letter.js';
import { type AuditRow, decodeMessage } from './decode-message.js';
import { createRetryUntilDrained, Draining, settlesWithin } from './draining.js';
import { errorCodeOf, sinkErrorIn } from './errors.js';
import { OrderItemEventsWriter } from './order-item-events-writer.js';
import { pingPostgres } from './postgres.js';
import { POSTGRES_SINK, recordWriteOutcome } from './record-outcome.js';

/** The configuration fields the sink itself reads. */
export type AuditSinkSettings = Pick<
  AuditSinkConfig,
  | 'topic'
  | 'dlqTopic'
  | 'groupId'
  | 'schema'
  | 'maxBatchRows'
  | 'fetchMaxBytesPerPartition'
  | 'fetchMaxWaitMs'
  | 'partitionsConcurrency'
  | 'sessionTimeoutMs'
  | 'retryBaseMs'
  | 'retryMaxMs'
  | 'shutdownGraceMs'
>;

/** Options of `createAuditSink`. */
export interface AuditSinkOptions {
  settings: AuditSinkSettings;
  kafka: Kafka;
  pool: pg.Pool;
  logger: Logger;
  metrics: LakestreamMetrics;
  /** Called once when the sink stops on an error it cannot get past; the process should exit. */
  onFatal?: (err: unknown) => void;
}

/** The running sink. Its methods are the steps of an orderly shutdown, in this order. */
export interface AuditSink {
  /** Connects, joins the consumer group and starts consuming. */
  start(): Promise<void>;
  /** Stops taking new batches: pauses the topic and cuts short any retry wait. */
  stopIntake(): void;
  /** Resolves once the transaction in flight (if any) has finished. */
  flush(): Promise<void>;
  /** Resolves once the batch in flight has committed the offsets of what it wrote. */
  commit(): Promise<void>;
  /** Leaves the group and disconnects the Kafka clients; idempotent. */
  close(): Promise<void>;
  /** Throws unless the consumer is in its group and not shutting down (a readiness check). */
  checkConsumer(): void;
  /** Readiness of the whole sink: `checkConsumer`, and PostgreSQL answers. */
  checkReady(): Promise<void>;
}

// Metric `component` labels: the stages of this service.
const SOURCE = 'kafka_source';
const SINK = POSTGRES_SINK;
const DLQ = 'dead_letter';
const OFFSETS = 'kafka_offsets';

/**
 * Consumes the order-items topic and writes every message once into `order_item_events`.
 *
 * Per fetched batch (one partition), in chunks of at most `maxBatchRows`: decode; write the good
 * rows in one transaction (retried with backoff while PostgreSQL is down or busy, heartbeating so
 * the group keeps the partition); send the bad ones to the dead-letter topic; and only then
 * resolve and commit the chunk's offsets. A crash anywhere before the commit replays the chunk,
 * which the primary key turns into a no-op; nothing is committed that is not in PostgreSQL (or,
 * for a bad message, in the dead-letter topic).
 */
export function createAuditSink(options: AuditSinkOptions): AuditSink {
  const { settings, kafka, pool, metrics } = options;
  const log = options.logger.child({ component: 'audit_sink' });
  const writer = new OrderItemEventsWriter({ pool, schema: settings.schema });
  const heartbeatMs = Math.min(3_000, Math.floor(settings.sessionTimeoutMs / 3));

  // Dead letters are at least once whatever the producer does (a crash before the offset commit
  // sends them again), so readers dedupe on `source`; one request in flight keeps their order.
  const producer: Producer = kafka.producer({
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  // Series exist from the start, at 0, so that dashboards and rate() see them before traffic.
  metrics.receivedEvents.inc({ component: SOURCE }, 0);
  metrics.receivedBytes.inc({ component: SOURCE }, 0);
  metrics.sentEvents.inc({ component: SINK }, 0);
  metrics.sentBytes.inc({ component: SINK }, 0);
  // The alert on conflicts needs the series before the first one: increase() of a new series is 0.
  metrics.errors.inc({ component: SINK, code: 'LS_AUDIT_KEY_CONFLICT' }, 0);

  let draining = false;
  // Read at start, before consuming: part of every key written.
  let clusterId: string | undefined;
  const drain = new AbortController();
  const inFlightWrites = new Set<Promise<unknown>>();
  const inFlightBatches = new Set<Promise<unknown>>();

  const member = createManagedConsumer({
    kafka,
    consumer: {
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: heartbeatMs,
      maxBytesPerPartition: settings.fetchMaxBytesPerPartition,
      maxBytes: Math.max(10 * 1_048_576, 2 * settings.fetchMaxBytesPerPartition),
      maxWaitTimeInMs: settings.fetchMaxWaitMs,
      allowAutoTopicCreation: false,
      retry: {
        // kafkajs restarts the consumer after a crash; not after an error that would recur.
        restartOnFailure: async (err) => {
          const own = sinkErrorIn(err);
          return own === undefined || own.retryable;
        },
      },
    },
    topics: [settings.topic],
    logger: log,
    signal: drain.signal,
    onCrash: (err) => metrics.errors.inc({ component: SOURCE, code: errorCodeOf(err) }),
    fatalError: (err) => sinkErrorIn(err) ?? err,
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });

  const retrying = createRetryUntilDrained({ settings, metrics, log, drain: drain.signal });

  /** Writes one chunk and dead-letters its bad messages; throws `Draining` when cut short. */
  async function deliver(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const rows: AuditRow[] = [];
    const letters: DeadLetter[] = [];
    for (const message of messages) {
      const decoded = decodeMessage(message, partition);
      if (decoded.ok) rows.push(decoded.row);
      else letters.push({ topic, partition, message, rejection: decoded.rejection });
    }
    const started = performance.now();
    const source = { clusterId: clusterId!, topic };
    const outcome = await retrying('PostgreSQL write', SINK, heartbeat, () =>
      writer.write(source, rows),
    );
    // The fault suite's crash between the PostgreSQL commit and the offset commit.
    if (rows.length > 0) faultPoint('audit-sink.after-insert');
    recordWriteOutcome(outcome, {
      source,
      rows: rows.length,
      durationSeconds: (performance.now() - started) / 1000,
      metrics,
      log,
    });
    if (outcome.rejected.length > 0) {
      const byOffset = new Map(messages.map((m) => [m.offset, m]));
      for (const { row, rejection } of outcome.rejected) {
        letters.push({ topic, partition, message: byOffset.get(row.offset)!, rejection });
      }
    }

    if (letters.length > 0) {
      await retrying('dead-letter publish', DLQ, heartbeat, () =>
        publishDeadLetters(producer, settings.dlqTopic, letters),
      );
      const byCode: Record<string, number> = {};
      for (const letter of letters) {
        metrics.discardedEvents.inc({ component: SINK, reason: letter.rejection.code });
        byCode[letter.rejection.code] = (byCode[letter.rejection.code] ?? 0) + 1;
      }
      log.warn(
        {
          topic,
          partition,
          byCode,
          offsets: letters.slice(0, 10).map((l) => l.message.offset),
          first: letters[0]!.rejection.reason,
        },
        'messages sent to the dead-letter topic',
      );
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets } = payload;
    const { topic, partition, messages } = batch;
    for (let start = 0; start < messages.length; start += settings.maxBatchRows) {
      if (draining || !payload.isRunning() || payload.isStale()) return;
      const chunk = messages.slice(start, start + settings.maxBatchRows);
      const last = chunk.at(-1)!;
      metrics.receivedEvents.inc({ component: SOURCE }, chunk.length);
      metrics.receivedBytes.inc(
        { component: SOURCE },
        chunk.reduce((sum, m) => sum + (m.value?.length ?? 0), 0),
      );

      // A long statement (a table lock, a slow disk) must not cost the partition: keep
      // heartbeating beside it. Failures here are left to the next commit to report.
      const keepAlive = setInterval(() => payload.heartbeat().catch(() => {}), heartbeatMs);
      const delivery = deliver(topic, partition, chunk, payload.heartbeat);
      inFlightWrites.add(delivery);
      try {
        await delivery;
      } catch (err) {
        // Shutdown cut a retry short (or the attempt it let finish failed): nothing of the chunk
        // is committed, so the next owner of the partition writes it.
        if (err instanceof Draining || (drain.signal.aborted && isRetryable(err))) {
          log.info(
            { topic, partition, offset: chunk[0]!.offset },
            'shutdown: chunk left unwritten',
          );
          return;
        }
        metrics.errors.inc({ component: SINK, code: errorCodeOf(err) });
        throw err;
      } finally {
        clearInterval(keepAlive);
        inFlightWrites.delete(delivery);
      }

      resolveOffset(last.offset);
      const commitStarted = performance.now();
      try {
        await commitOffsetsIfNecessary(uncommittedOffsets());
      } catch (err) {
        // Written but not committed: a replay will find the rows and skip them.
        metrics.errors.inc({ component: OFFSETS, code: errorCodeOf(err) });
        throw err;
      }
      metrics.commitDuration.observe(
        { component: OFFSETS },
        (performance.now() - commitStarted) / 1000,
      );
      const lag = Number(batch.highWatermark) - (Number(last.offset) + 1);
      metrics.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, lag));
    }
  }

  function checkConsumer(): void {
    if (draining) throw new Error('shutting down');
    member.checkReady();
  }

  let closing: Promise<void> | undefined;

  return {
    async start() {
      // A broker that has just started, or a topic created a moment ago by another process,
      // answers "not yet" for a while: every start-up step rides that out.
      const retry = { logger: log, signal: drain.signal };
      await withKafkaStartRetry(
        'create the source and dead-letter topics',
        () =>
          ensureTopics(kafka, [
            topicSpec(TOPICS.orderItems, settings.topic),
            topicSpec(TOPICS.orderItemsDlq, settings.dlqTopic),
          ]),
        retry,
      );
      clusterId = await readClusterId(kafka, { logger: log, signal: drain.signal });
      await withKafkaStartRetry(
        'connect the dead-letter producer',
        () => producer.connect(),
        retry,
      );
      if (draining) return;
      await member.start({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: settings.partitionsConcurrency,
        eachBatch: (payload) => {
          const body = eachBatch(payload);
          inFlightBatches.add(body);
          return body.finally(() => inFlightBatches.delete(body));
        },
      });
      log.info(
        { topic: settings.topic, groupId: settings.groupId, schema: settings.schema, clusterId },
        'consuming',
      );
    },

    stopIntake() {
      if (draining) return;
      draining = true;
      drain.abort(new Draining('shutting down'));
      member.pause();
    },

    async flush() {
      // An attempt under way may finish, for at most half the grace period; past that its
      // statement is cancelled (rolled back, left for the next owner), so that committing the
      // offsets and leaving the group still fit in SHUTDOWN_GRACE.
      const settled = Promise.allSettled([...inFlightWrites]);
      if (await settlesWithin(settled, settings.shutdownGraceMs / 2)) return;
      log.warn('shutdown: a write is still running at half the grace period; cancelling it');
      await writer.cancelRunning().catch((err) => log.warn({ err }, 'cancelling the write failed'));
      await settled;
    },

    async commit() {
      await Promise.allSettled([...inFlightBatches]);
    },

    close() {
      closing ??= (async () => {
        draining = true;
        // disconnect() stops the consumer first: it waits for the batch in flight and leaves
        // the group, so the partitions move to another instance at once.
        await member.close();
        await producer.disconnect();
      })();
      return closing;
    },

    checkConsumer,

    async checkReady() {
      checkConsumer();
      await pingPostgres(pool);
    },
  };
}
