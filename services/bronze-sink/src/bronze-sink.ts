import {
  createManagedConsumer,
  ensureTopics,
  type ManagedConsumer,
  TOPICS,
  topicSpec,
  withHeartbeats,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import type { ObjectStore } from '@lakestream/object-store';
import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import type { Admin, EachBatchPayload, Kafka } from 'kafkajs';
import { BronzeSinkError } from './errors.js';
import { COMPONENT, PartitionWriter } from './partition-writer.js';

/** What the sink needs to know; a subset of `BronzeSinkConfig`, so tests can build it directly. */
export interface BronzeSinkSettings {
  topics: readonly string[];
  groupId: string;
  manifestTopic: string;
  /** Instance id, in logs and manifests. */
  instanceId: string;
  maxRecords: number;
  maxBytes: number;
  idleFlushMs: number;
  maxBufferAgeMs: number;
  gzipLevel: number;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  transactionTimeoutMs: number;
  fetchMaxBytesPerPartition: number;
  fetchMaxWaitMs: number;
}

/** Options of `createBronzeSink`. */
export interface BronzeSinkOptions {
  settings: BronzeSinkSettings;
  kafka: Kafka;
  store: ObjectStore;
  logger: Logger;
  metrics: LakestreamMetrics;
  /** Called once if the consumer stops for good; the process should shut down. */
  onFatal?: (err: unknown) => void;
  /** Aborts the start-up's waiting on Kafka (a shutdown during start-up). */
  signal?: AbortSignal;
}

/** A running bronze sink; the methods are the shutdown steps, in the order to call them. */
export interface BronzeSink {
  /** Creates the manifest topic if missing, joins the group and starts consuming. */
  start(): Promise<void>;
  /** Throws unless the consumer has joined its group and intake is running (for /readyz). */
  checkReady(): void;
  /** Stops taking records: pauses every partition and waits for the batch being handled. */
  stopIntake(): Promise<void>;
  /** Closes every open buffer into an object (uploads start). */
  flush(): Promise<void>;
  /** Waits for every object's transaction; rejects if records taken in stayed uncommitted. */
  commit(): Promise<void>;
  /** Leaves the group and closes every Kafka client. Idempotent. */
  close(): Promise<void>;
}

/**
 * The bronze sink: a consumer group over `settings.topics`; one `PartitionWriter` per assigned
 * partition and generation; an idle ticker closing quiet buffers.
 *
 * kafkajs has no "partitions revoked" callback, and with its eager protocol a rebalance revokes
 * everything and restarts each partition from the committed offset. So on every GROUP_JOIN all
 * writers are revoked (their buffers dropped) and new ones set up lazily, on their first batch,
 * each after its predecessor in this process has let go.
 */
export function createBronzeSink(options: BronzeSinkOptions): BronzeSink {
  const { settings, kafka, store, metrics } = options;
  const log = options.logger.child({ component: COMPONENT, instance: settings.instanceId });
  let admin: Admin | undefined;
  let member: ManagedConsumer | undefined;
  let writers = new Map<string, PartitionWriter>();
  const retiring = new Map<string, Promise<void>>();
  let intakeStopped = false;
  let ticker: NodeJS.Timeout | undefined;
  let activeBatch: Promise<void> = Promise.resolve();
  let closing: Promise<void> | undefined;

  const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

  function writerFor(topic: string, partition: number): PartitionWriter {
    const key = keyOf(topic, partition);
    let writer = writers.get(key);
    if (!writer) {
      writer = new PartitionWriter({
        topic,
        partition,
        groupId: settings.groupId,
        manifestTopic: settings.manifestTopic,
        writer: settings.instanceId,
        kafka,
        admin: admin!,
        store,
        limits: { maxRecords: settings.maxRecords, maxBytes: settings.maxBytes },
        gzipLevel: settings.gzipLevel,
        transactionTimeoutMs: settings.transactionTimeoutMs,
        fencedBackoffMs: Math.max(1_000, 2 * settings.heartbeatIntervalMs),
        seek: seekTo(topic, partition),
        logger: log,
        metrics,
        ...(retiring.has(key) ? { previous: retiring.get(key)! } : {}),
      });
      writers.set(key, writer);
    }
    return writer;
  }

  function onGroupJoin(assignment: Record<string, number[]>): void {
    const previous = writers;
    writers = new Map();
    for (const [key, writer] of previous) {
      const done = writer.revoke().finally(() => {
        if (retiring.get(key) === done) retiring.delete(key);
      });
      retiring.set(key, done);
    }
    log.info({ assignment }, 'group joined; partitions (re)assigned');
  }

  function seekTo(topic: string, partition: number) {
    return (offset: string) => {
      if (intakeStopped) return;
      try {
        member!.consumer.seek({ topic, partition, offset });
      } catch (err) {
        log.warn({ err, topic, partition, offset }, 'seek failed');
      }
    };
  }

  async function handleBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    if (intakeStopped) return;
    const writer = writerFor(batch.topic, batch.partition);
    const room = writer.enqueue(batch);
    activeBatch = room;
    // Back-pressure can last an upload: keep the group membership alive meanwhile.
    await withHeartbeats(room, heartbeat, settings.heartbeatIntervalMs);
  }

  function tick(): void {
    const now = Date.now();
    for (const writer of writers.values()) {
      writer.flushIfDue(now, settings.idleFlushMs, settings.maxBufferAgeMs);
    }
  }

  return {
    async start() {
      // A broker that has just started, or a topic created a moment ago by another process,
      // answers "not yet" for a while: every start-up step rides that out.
      const retry = { logger: log, ...(options.signal ? { signal: options.signal } : {}) };
      await withKafkaStartRetry(
        'create the manifest and source topics',
        () =>
          ensureTopics(kafka, [
            topicSpec(TOPICS.bronzeFiles, settings.manifestTopic),
            ...contractTopicSpecs(settings.topics),
          ]),
        retry,
      );
      const connected = kafka.admin();
      admin = connected;
      await withKafkaStartRetry('connect the admin client', () => connected.connect(), retry);
      const managed = createManagedConsumer({
        kafka,
        consumer: {
          groupId: settings.groupId,
          sessionTimeout: settings.sessionTimeoutMs,
          rebalanceTimeout: settings.rebalanceTimeoutMs,
          heartbeatInterval: settings.heartbeatIntervalMs,
          maxBytesPerPartition: settings.fetchMaxBytesPerPartition,
          maxWaitTimeInMs: settings.fetchMaxWaitMs,
          readUncommitted: false,
          allowAutoTopicCreation: false,
        },
        topics: settings.topics,
        logger: log,
        ...(options.signal ? { signal: options.signal } : {}),
        onGroupJoin,
        onCrash: () =>
          metrics.errors.inc({ component: COMPONENT, code: 'LS_BRONZE_CONSUMER_CRASHED' }),
        fatalError: (cause) =>
          new BronzeSinkError('LS_BRONZE_CONSUMER_CRASHED', 'the Kafka consumer stopped', {
            cause,
          }),
        ...(options.onFatal ? { onFatal: options.onFatal } : {}),
      });
      member = managed;
      // kafkajs resolves a fetched batch of only transaction markers or aborted records without
      // handing it over (batchSize 0): the writer's expected offset must move past it too.
      managed.consumer.on(managed.consumer.events.START_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize !== 0 || payload.firstOffset == null || intakeStopped) return;
        writers
          .get(keyOf(payload.topic, payload.partition))
          ?.skipped(Number(payload.firstOffset), Number(payload.lastOffset));
      });
      ticker = setInterval(
        tick,
        Math.max(10, Math.min(1_000, Math.floor(settings.idleFlushMs / 4))),
      );
      await managed.start({
        autoCommit: false,
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: 1,
        eachBatch: handleBatch,
      });
      log.info(
        { topics: settings.topics, groupId: settings.groupId, store: store.location },
        'bronze sink started',
      );
    },

    checkReady() {
      if (intakeStopped) throw new Error('shutting down');
      if (member === undefined) throw new Error('not started');
      member.checkReady();
    },

    async stopIntake() {
      intakeStopped = true;
      clearInterval(ticker);
      member?.pause();
      await activeBatch;
      for (const writer of writers.values()) writer.stop();
      await Promise.all([...writers.values()].map((writer) => writer.settle()));
    },

    async flush() {
      for (const writer of writers.values()) writer.flushNow();
    },

    async commit() {
      const all = [...writers.values()];
      await Promise.all(all.map((writer) => writer.drain()));
      const left = all.reduce((sum, writer) => sum + writer.uncommittedRecords, 0);
      if (left > 0) {
        throw new BronzeSinkError(
          'LS_BRONZE_COMMIT_FAILED',
          `${left} records taken in were not committed; the partitions' next owner reads them again`,
          { details: { records: left } },
        );
      }
    },

    close() {
      closing ??= (async () => {
        clearInterval(ticker);
        intakeStopped = true;
        await member?.close();
        await Promise.all([...writers.values()].map((writer) => writer.revoke()));
        await Promise.all(retiring.values());
        await admin
          ?.disconnect()
          .catch((err: unknown) => log.warn({ err }, 'admin disconnect failed'));
        log.info('bronze sink closed');
      })();
      return closing;
    },
  };
}

/** The contract topics among `topics`, with their contract settings (other topics are the producers' to create). */
function contractTopicSpecs(topics: readonly string[]) {
  const contract = new Set<string>(Object.values(TOPICS));
  return topics
    .filter((topic) => contract.has(topic))
    .map((topic) => topicSpec(topic as (typeof TOPICS)[keyof typeof TOPICS]));
}
