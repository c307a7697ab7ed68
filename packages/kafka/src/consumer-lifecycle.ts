import type { Logger } from '@lakestream/observability';
import type { Consumer, ConsumerConfig, ConsumerRunConfig, Kafka } from 'kafkajs';
import { ensureTopics, type TopicSpec } from './admin.js';
import { withKafkaStartRetry } from './start-retry.js';

/** Options of `createManagedConsumer`. */
export interface ManagedConsumerOptions {
  kafka: Kafka;
  /** The kafkajs consumer settings (group id, session timeout, fetch sizes…). */
  consumer: ConsumerConfig;
  /** Topics subscribed to, from the beginning when the group has no offsets. */
  topics: readonly string[];
  /** Topics created (with these specs) before subscribing; safe to race with other processes. */
  ensureTopics?: readonly TopicSpec[];
  logger: Logger;
  /** Aborts the start-up's waiting on Kafka (a shutdown during start-up). */
  signal?: AbortSignal;
  /** Every crash, before kafkajs restarts the consumer or gives up (for the errors metric). */
  onCrash?: (err: unknown, restarting: boolean) => void;
  /**
   * Called once when the consumer stops for good, with `fatalError(err)` when given (a service
   * reports its own typed error found inside the client's).
   */
  onFatal?: (err: unknown) => void;
  fatalError?: (err: unknown) => unknown;
  /** Each time the group (re)assigns partitions. */
  onGroupJoin?: (assignment: Record<string, number[]>) => void;
}

/** A consumer with the pipeline's one lifecycle: start with retries, membership, crash, close. */
export interface ManagedConsumer {
  /** The kafkajs consumer, for seek/pause/commit and events of the service's own. */
  readonly consumer: Consumer;
  /** True while a member of its group (between a join and the next rebalance, stop or crash). */
  readonly joined: boolean;
  /** Creates the topics, connects and subscribes (each retried while Kafka answers "not yet"), then runs. */
  start(run: ConsumerRunConfig): Promise<void>;
  /** Pauses every subscribed topic; a no-op before the consumer runs or after it stopped. */
  pause(): void;
  /** Throws unless the consumer is a member of its group and has not stopped for good (/readyz). */
  checkReady(): void;
  /** Leaves the group and disconnects (kafkajs waits for the batch in flight). Idempotent. */
  close(): Promise<void>;
}

/**
 * The lifecycle every Lakestream consumer shares, written once: a broker that has just started is
 * ridden out, membership is tracked for readiness, a crash kafkajs restarts is logged and counted,
 * one it does not is reported once as fatal, and closing is idempotent.
 */
export function createManagedConsumer(options: ManagedConsumerOptions): ManagedConsumer {
  const { kafka, logger: log } = options;
  const consumer = kafka.consumer(options.consumer);
  let joined = false;
  let running = false;
  let fatal: unknown;
  let closing: Promise<void> | undefined;

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    log.info(
      { groupId: payload.groupId, assignment: payload.memberAssignment },
      'joined consumer group',
    );
    options.onGroupJoin?.(payload.memberAssignment);
  });
  consumer.on(consumer.events.REBALANCING, () => {
    joined = false;
  });
  consumer.on(consumer.events.STOP, () => {
    joined = false;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    options.onCrash?.(payload.error, payload.restart);
    if (payload.restart) {
      log.warn({ err: payload.error }, 'consumer crashed; kafkajs restarts it');
      return;
    }
    if (fatal !== undefined) return;
    fatal = options.fatalError ? options.fatalError(payload.error) : payload.error;
    log.error({ err: fatal }, 'consumer stopped on an error it cannot get past');
    options.onFatal?.(fatal);
  });

  return {
    consumer,
    get joined() {
      return joined;
    },
    async start(run) {
      const retry = { logger: log, ...(options.signal ? { signal: options.signal } : {}) };
      const topics = options.ensureTopics ?? [];
      if (topics.length > 0) {
        await withKafkaStartRetry(
          `create ${topics.map((t) => t.topic).join(', ')}`,
          () => ensureTopics(kafka, topics),
          retry,
        );
      }
      await withKafkaStartRetry('connect the consumer', () => consumer.connect(), retry);
      await withKafkaStartRetry(
        `subscribe to ${options.topics.join(', ')}`,
        () => consumer.subscribe({ topics: [...options.topics], fromBeginning: true }),
        retry,
      );
      if (closing !== undefined) return;
      // Joining the group happens inside run's loop, which kafkajs retries itself (a crash with
      // restart), so run itself is not retried.
      await consumer.run(run);
      running = true;
    },
    pause() {
      if (!running) return;
      try {
        consumer.pause(options.topics.map((topic) => ({ topic })));
      } catch (err) {
        // After a crash kafkajs has torn the group down: nothing is fetched any more.
        log.debug({ err }, 'pause after the consumer stopped');
      }
    },
    checkReady() {
      if (fatal !== undefined) throw fatal;
      if (closing !== undefined) throw new Error('shutting down');
      if (!joined) throw new Error('not yet a member of the consumer group');
    },
    close() {
      closing ??= consumer
        .disconnect()
        .catch((err: unknown) => log.warn({ err }, 'consumer disconnect failed'));
      return closing;
    },
  };
}

/**
 * Heartbeats while `work` runs (a batch can wait on a store or a database longer than the session
 * timeout), then rethrows a rebalance the heartbeat reported, so kafkajs rejoins the group.
 */
export async function withHeartbeats<T>(
  work: Promise<T>,
  heartbeat: () => Promise<void>,
  intervalMs: number,
): Promise<T> {
  let failure: unknown;
  const timer = setInterval(() => {
    heartbeat().catch((err: unknown) => {
      failure ??= err;
    });
  }, intervalMs);
  try {
    const result = await work;
    if (failure !== undefined) throw failure;
    return result;
  } finally {
    clearInterval(timer);
  }
}
