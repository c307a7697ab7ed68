/**
 * The consumer every loader worker (silver announcements, sync batches, document manifests)
 * joins its group with: the loader's settings, and its crashes counted and reported the loader's
 * way, so the three differ only in what they do with a fetched batch.
 */
import { createManagedConsumer, type ManagedConsumer, type TopicSpec } from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { LoaderError, metricCode } from './errors.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';

/** Options of `createLoaderConsumer`. */
export interface LoaderConsumerOptions {
  kafka: Kafka;
  topic: string;
  /** Created before subscribing: the topic itself and any the worker writes to. */
  ensureTopics: readonly TopicSpec[];
  groupId: string;
  sessionTimeoutMs: number;
  /** What stopped, in `LS_LOADER_CONSUMER_CRASHED` ('the sync batch consumer'). */
  name: string;
  logger: Logger;
  /** Aborted as the shutdown begins. */
  signal: AbortSignal;
  metrics?: LoaderMetrics;
  onFatal?: (err: unknown) => void;
}

/** The worker's group member and how often it heartbeats during a long batch. */
export interface LoaderConsumer {
  member: ManagedConsumer;
  heartbeatMs: number;
  /** The typed error a consumer stopped by `cause` is reported as. */
  fatal(cause: unknown): LoaderError;
}

export function createLoaderConsumer(options: LoaderConsumerOptions): LoaderConsumer {
  const { metrics } = options;
  const heartbeatMs = Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3));
  const fatal = (cause: unknown) =>
    new LoaderError('LS_LOADER_CONSUMER_CRASHED', `${options.name} stopped`, { cause });
  const member = createManagedConsumer({
    kafka: options.kafka,
    consumer: {
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: heartbeatMs,
      // A manifest or announcement counts once its producer's transaction committed.
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
    },
    topics: [options.topic],
    ensureTopics: options.ensureTopics,
    logger: options.logger,
    signal: options.signal,
    onCrash: (err) => metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) }),
    fatalError: fatal,
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  return { member, heartbeatMs, fatal };
}
