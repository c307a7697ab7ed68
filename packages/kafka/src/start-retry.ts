import { LakestreamError, withRetry } from '@lakestream/config';
import type { Logger } from '@lakestream/observability';

/**
 * Broker answers that mean "not yet", not "no": a topic just created whose metadata has not reached
 * every broker, a coordinator still loading its log, a leader being elected, a broker restarting.
 * A freshly started cluster gives all of them for a few seconds.
 */
const RETRIABLE_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'REBALANCE_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'NOT_CONTROLLER',
  'KAFKA_STORAGE_ERROR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'NOT_ENOUGH_REPLICAS',
  'CONCURRENT_TRANSACTIONS',
]);

/** kafkajs error classes that stand for a broker or network that is not there yet. */
const RETRIABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** Answers no retry can change: bad credentials, no permission, a wrong request. */
const FATAL_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_CONFIG',
  'UNSUPPORTED_VERSION',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/** The error and everything it wraps (`cause`, kafkajs' `originalError`, aggregate `errors`). */
function chain(err: unknown, depth = 0): Record<string, unknown>[] {
  if (typeof err !== 'object' || err === null || depth > 8) return [];
  const link = err as Record<string, unknown>;
  const nested = [
    link.cause,
    link.originalError,
    ...(Array.isArray(link.errors) ? link.errors : []),
  ];
  return [link, ...nested.flatMap((inner) => chain(inner, depth + 1))];
}

/**
 * True when a Kafka client error can succeed on a later attempt. Looks through wrappers: kafkajs
 * gives up on its own short retry budget with a non-retriable "number of retries exceeded" whose
 * cause is the retriable answer, and the start-up budget is longer than the client's.
 */
export function isRetriableKafkaError(err: unknown): boolean {
  const links = chain(err);
  if (links.some((l) => typeof l.type === 'string' && FATAL_TYPES.has(l.type))) return false;
  return links.some(
    (l) =>
      (typeof l.type === 'string' && RETRIABLE_TYPES.has(l.type)) ||
      (typeof l.name === 'string' && RETRIABLE_NAMES.has(l.name)) ||
      (typeof l.code === 'string' && NETWORK_CODES.has(l.code)) ||
      l.canRetry === true ||
      (l.retriable === true && typeof l.name === 'string' && l.name.startsWith('KafkaJS')),
  );
}

/** Options of `withKafkaStartRetry`. */
export interface KafkaStartRetryOptions {
  logger: Logger;
  /** Stops waiting (shutdown during start-up): rejects with the signal's reason. */
  signal?: AbortSignal;
  /** How long retriable errors are ridden out before giving up; default 120 s. */
  timeoutMs?: number;
  /** First backoff; doubles up to 5 s. Default 250 ms. */
  baseMs?: number;
}

/**
 * Runs a start-up step against Kafka (connect, subscribe, run, topic creation), retrying errors
 * that a broker which has just started or a topic which has just been created give, with backoff,
 * until `timeoutMs`; then fails with `LS_KAFKA_START_FAILED` naming the step. An error no retry can
 * fix is rethrown at once.
 */
export async function withKafkaStartRetry<T>(
  what: string,
  fn: () => Promise<T>,
  options: KafkaStartRetryOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  try {
    // The budget is a time, not a count: a broker takes as long as it takes to come up.
    return await withRetry(
      () => {
        attempts++;
        return fn();
      },
      {
        retries: Number.POSITIVE_INFINITY,
        baseMs: options.baseMs ?? 250,
        maxMs: 5_000,
        isRetryable: (err) => isRetriableKafkaError(err) && Date.now() < deadline,
        onRetry: ({ err, attempt, delayMs }) =>
          options.logger.warn({ err, what, attempt, delayMs }, `${what} failed; retrying`),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (err) {
    if (!isRetriableKafkaError(err) || options.signal?.aborted) throw err;
    throw new LakestreamError(
      'LS_KAFKA_START_FAILED',
      `${what}: Kafka kept answering with a retriable error for ${Math.round(timeoutMs / 1000)} s; giving up`,
      { cause: err, details: { what, attempts } },
    );
  }
}
