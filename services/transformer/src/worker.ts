import { consumerLag, createManagedConsumer, TOPICS, topicSpec } from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { TransformerError } from './errors.js';
import { COMPONENT, type TransformerMetrics } from './metrics.js';
import type { BatchOutcome } from './transformer.js';

/** What the worker needs to know. */
export interface WorkerSettings {
  manifestTopic: string;
  groupId: string;
  /** Quiet time after the last manifest before a batch starts. */
  debounceMs: number;
  /** Longest the first waiting manifest is held while others keep arriving. */
  maxWaitMs: number;
  /** Pause after a failed batch before the next try. */
  retryBackoffMs?: number;
}

/** Options of `createWorker`. */
export interface WorkerOptions {
  kafka: Kafka;
  settings: WorkerSettings;
  runBatch: () => Promise<BatchOutcome>;
  logger: Logger;
  metrics: TransformerMetrics;
  onOutcome?: (outcome: BatchOutcome) => void;
  /** Called once if the consumer stops for good; the process should shut down. */
  onFatal?: (err: unknown) => void;
  /** Aborts the start-up's waiting on Kafka (a shutdown during start-up). */
  signal?: AbortSignal;
}

/** The long-running worker; the methods after `start` are the shutdown steps, in order. */
export interface Worker {
  /** Joins the group on the manifest topic and starts the batch loop (a first batch at once). */
  start(): Promise<void>;
  /** Throws unless the consumer has joined its group and the worker is not stopping. */
  checkReady(): void;
  /** Stops intake: no new batch starts, the consumer is paused. */
  stopIntake(): Promise<void>;
  /** Waits for the batch in flight (it publishes or fails as a whole). */
  flush(): Promise<void>;
  /** Commits the offsets of the manifests the last published batch covered. */
  commit(): Promise<void>;
  /** Leaves the group. Idempotent. */
  close(): Promise<void>;
}

/**
 * Consumes the bronze manifest topic in a consumer group only as a trigger: the batch itself
 * discovers its objects (all pending, whatever the trigger). After a manifest arrives it waits
 * for `debounceMs` of quiet (at most `maxWaitMs`) so a burst of objects makes one batch, runs the
 * batch, and commits the offsets of the manifests seen before the batch started – they are
 * covered by a published batch (or were already processed). Offsets only say how far the
 * trigger has got (and give the lag); the published manifests are the state.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { kafka, settings, logger, metrics } = options;
  const log = logger.child({ component: COMPONENT, mode: 'worker' });
  const member = createManagedConsumer({
    kafka,
    consumer: {
      groupId: settings.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
    },
    topics: [settings.manifestTopic],
    // No bronze object so far means no manifest topic yet: create it rather than wait.
    ensureTopics: [topicSpec(TOPICS.bronzeFiles, settings.manifestTopic)],
    logger: log,
    ...(options.signal ? { signal: options.signal } : {}),
    onCrash: () =>
      metrics.errors.inc({ component: COMPONENT, code: 'LS_TRANSFORMER_CONSUMER_CRASHED' }),
    fatalError: (cause) =>
      new TransformerError('LS_TRANSFORMER_CONSUMER_CRASHED', 'the Kafka consumer stopped', {
        cause,
      }),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  const consumer = member.consumer;
  let stopping = false;
  /** Highest manifest offset handed over per partition of the manifest topic. */
  const seen = new Map<number, number>();
  /**
   * Per partition, the last offset of the latest fetched batch whose manifests were all handed
   * over. The bronze sink announces each object in a Kafka transaction, whose commit marker
   * takes an offset of its own but never reaches eachMessage (nor does an aborted manifest):
   * committing past the last manifest alone would leave the group one offset behind for good, a
   * lag of 1 on every caught-up partition. A batch's last offset counts its markers.
   */
  const batchEnds = new Map<number, number>();
  /** Manifests handed over from the batch in process, per partition (a stop ends one early). */
  const handedOver = new Map<number, number>();
  /** Offsets covered by the last published (or empty) batch, not yet committed. */
  let toCommit = new Map<number, number>();
  let dirty = true; // Catch up at start.
  let firstDirtyAt = 0;
  let lastMessageAt = 0;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const signal = () => {
    wake?.();
  };

  /** Something arrived: a batch is due after the debounce. */
  function arrived(): void {
    const now = Date.now();
    if (!dirty) {
      dirty = true;
      firstDirtyAt = now;
    }
    lastMessageAt = now;
    signal();
  }

  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === settings.manifestTopic) handedOver.set(payload.partition, 0);
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic !== settings.manifestTopic) return;
    if (handedOver.get(payload.partition) !== payload.batchSize) return;
    batchEnds.set(payload.partition, Number(payload.lastOffset));
    // Only markers or aborted manifests: nothing new to transform, but offsets to commit past.
    if (payload.batchSize === 0) arrived();
  });

  /**
   * What a batch that started with the manifests `covered` lets the group commit, per partition:
   * through the end of the partition's last whole fetched batch while no manifest has arrived
   * since (everything after the covered manifest up to there is markers or aborted), else
   * through the covered manifest.
   */
  function committable(covered: ReadonlyMap<number, number>): Map<number, number> {
    const through = new Map<number, number>();
    for (const partition of new Set([...covered.keys(), ...batchEnds.keys()])) {
      const offset = covered.get(partition) ?? -1;
      const end = batchEnds.get(partition) ?? -1;
      const last = (seen.get(partition) ?? -1) === offset && end > offset ? end : offset;
      if (last >= 0) through.set(partition, last);
    }
    return through;
  }

  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      wake = undefined;
    });
  }

  async function commitCovered(): Promise<void> {
    if (toCommit.size === 0) return;
    const offsets = [...toCommit].map(([partition, offset]) => ({
      topic: settings.manifestTopic,
      partition,
      offset: String(offset + 1),
    }));
    const started = performance.now();
    try {
      await consumer.commitOffsets(offsets);
      toCommit = new Map();
      metrics.commitDuration.observe(
        { component: COMPONENT },
        (performance.now() - started) / 1000,
      );
      for (const lag of await consumerLag(kafka, settings.groupId, settings.manifestTopic)) {
        metrics.consumerLag.set(
          { topic: settings.manifestTopic, partition: String(lag.partition) },
          lag.lag,
        );
      }
    } catch (err) {
      // A rebalance moved the partition: its next owner commits past it after its own batch.
      log.warn(
        { err },
        'committing the manifest offsets failed; they are committed after the next batch',
      );
    }
  }

  async function batchLoop(): Promise<void> {
    while (!stopping) {
      if (!dirty) {
        await sleep(60_000);
        continue;
      }
      const due = Math.min(lastMessageAt + settings.debounceMs, firstDirtyAt + settings.maxWaitMs);
      if (Date.now() < due) {
        await sleep(due - Date.now());
        continue;
      }
      if (stopping) break;
      dirty = false;
      const covered = new Map(seen);
      try {
        options.onOutcome?.(await options.runBatch());
        for (const [partition, offset] of committable(covered)) toCommit.set(partition, offset);
        await commitCovered();
      } catch (err) {
        log.error({ err }, 'batch failed; nothing was published, retrying after a pause');
        if (!dirty) {
          dirty = true;
          firstDirtyAt = Date.now();
        }
        await sleep(settings.retryBackoffMs ?? 30_000);
      }
    }
  }

  return {
    async start() {
      await member.start({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          seen.set(partition, Math.max(seen.get(partition) ?? -1, offset));
          handedOver.set(partition, (handedOver.get(partition) ?? 0) + 1);
          arrived();
        },
      });
      firstDirtyAt = Date.now();
      loop = batchLoop();
      log.info(
        { manifestTopic: settings.manifestTopic, groupId: settings.groupId },
        'worker started',
      );
    },

    checkReady() {
      if (stopping) throw new Error('shutting down');
      member.checkReady();
    },

    async stopIntake() {
      stopping = true;
      signal();
      member.pause();
    },

    async flush() {
      await loop;
    },

    async commit() {
      await commitCovered();
    },

    close() {
      closing ??= (async () => {
        stopping = true;
        signal();
        await member.close();
        log.info('worker closed');
      })();
      return closing;
    },
  };
}
