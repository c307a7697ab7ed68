import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** Stable codes of the errors the bronze sink raises (object-store errors keep their own). */
export type BronzeSinkErrorCode =
  /** Fencing a partition's transactional producer or reading its committed offset failed. */
  | 'LS_BRONZE_SETUP_FAILED'
  /** An object's key was already taken when it was created: a leftover or a fenced writer's. */
  | 'LS_BRONZE_OBJECT_CONFLICT'
  /** The Kafka transaction announcing an object and committing its offsets failed. */
  | 'LS_BRONZE_COMMIT_FAILED'
  /** Another instance took the partition over: its producer epoch is newer than ours. */
  | 'LS_BRONZE_FENCED'
  /** Retention deleted records past the committed offset before bronze took them (they are lost). */
  | 'LS_BRONZE_RECORDS_EXPIRED'
  /** The consumer keeps handing over batches that do not start where the partition's records end. */
  | 'LS_BRONZE_POSITION_LOST'
  /** A Kafka offset does not fit a JavaScript safe integer (2^53). */
  | 'LS_BRONZE_OFFSET_RANGE'
  /** The Kafka consumer stopped for good. */
  | 'LS_BRONZE_CONSUMER_CRASHED';

/** An error of the bronze sink: a stable code, a retryable flag and the original cause. */
export class BronzeSinkError extends LakestreamError {
  declare readonly code: BronzeSinkErrorCode;

  constructor(code: BronzeSinkErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

/** kafkajs error types meaning our producer epoch is stale: someone else owns the partition. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** True when a kafkajs error (or its cause chain) says the producer was fenced. */
export function isFencedError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const { type, cause, originalError } = e as {
      type?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (typeof type === 'string' && FENCED_TYPES.has(type)) return true;
    e = originalError ?? cause;
  }
  return false;
}

/** The errors counter's `code` label (shared by every service). */
export { errorMetricCode as metricCode } from '@lakestream/observability';
