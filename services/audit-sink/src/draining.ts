import { type RetryAttempt, withRetry } from '@lakestream/config';
import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import type { AuditSinkSettings } from './audit-sink.js';
import { errorCodeOf } from './errors.js';

/** Thrown into a retry wait when shutdown starts: the chunk stays unwritten and uncommitted. */
export class Draining extends Error {}

/** `retrying(what, component, heartbeat, operation)`: see `createRetryUntilDrained`. */
export type RetryUntilDrained = <T>(
  what: string,
  component: string,
  heartbeat: () => Promise<void>,
  operation: () => Promise<T>,
) => Promise<T>;

/**
 * Runs `operation` until it succeeds, retrying what `isRetryable` allows for as long as it
 * takes (PostgreSQL may be down for minutes). Shutdown (`drain` aborted) lets an attempt under
 * way finish – that is the flush – but ends the retrying: a chunk that needs another attempt stays
 * unwritten and uncommitted, for the next owner of the partition. Each retry first heartbeats:
 * that keeps the partition while waiting, and a rebalance error from it is not retryable, so it
 * ends the batch (uncommitted) and lets kafkajs rejoin the group. Each retry is counted and logged.
 */
export function createRetryUntilDrained(context: {
  settings: Pick<AuditSinkSettings, 'retryBaseMs' | 'retryMaxMs'>;
  metrics: LakestreamMetrics;
  log: Logger;
  drain: AbortSignal;
}): RetryUntilDrained {
  const { settings, metrics, log, drain } = context;
  return async function retrying<T>(
    what: string,
    component: string,
    heartbeat: () => Promise<void>,
    operation: () => Promise<T>,
  ): Promise<T> {
    const waiting = new AbortController();
    let failed = false;
    const onDrain = () => {
      if (failed) waiting.abort(new Draining('shutting down'));
    };
    drain.addEventListener('abort', onDrain);
    try {
      return await withRetry(
        async (attempt) => {
          if (attempt > 1) await heartbeat();
          return operation();
        },
        {
          retries: Number.POSITIVE_INFINITY,
          baseMs: settings.retryBaseMs,
          maxMs: settings.retryMaxMs,
          signal: waiting.signal,
          onRetry: ({ err, attempt, delayMs }: RetryAttempt) => {
            failed = true;
            if (drain.aborted) waiting.abort(new Draining('shutting down'));
            metrics.errors.inc({ component, code: errorCodeOf(err) });
            log.warn({ err, attempt, delayMs }, `${what} failed; retrying`);
          },
        },
      );
    } finally {
      drain.removeEventListener('abort', onDrain);
    }
  };
}

/** True when `promise` settles within `ms`; the timer does not outlive it. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
