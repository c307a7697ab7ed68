import { isRetryable as defaultIsRetryable } from './errors.js';

/** How `withRetry` retries. */
export interface RetryOptions {
  /** Retries after the first attempt (so at most `retries + 1` calls); default 5. */
  retries?: number;
  /** Backoff ceiling for the first retry in milliseconds; doubles each retry. Default 100. */
  baseMs?: number;
  /** Upper bound of any single backoff in milliseconds. Default 10 000. */
  maxMs?: number;
  /** Decides whether an error is worth another attempt; default `isRetryable` (the error's own flag). */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each backoff sleep, e.g. to log or count the retry. */
  onRetry?: (info: RetryAttempt) => void;
  /** Stops retrying: rejects with `signal.reason` before the next attempt or during a backoff. */
  signal?: AbortSignal;
}

/** What `onRetry` is told about a failed attempt. */
export interface RetryAttempt {
  /** The error of the attempt that failed. */
  err: unknown;
  /** 1-based number of the attempt that failed. */
  attempt: number;
  /** Milliseconds until the next attempt. */
  delayMs: number;
}

/**
 * Calls `fn` until it succeeds, a non-retryable error occurs, retries run out or `signal` aborts.
 * Backoff is "full jitter" (random in [0, min(maxMs, baseMs·2^n)]) so that many clients failing at
 * once do not retry in lock-step. The last error is rethrown unchanged, keeping its code.
 * An attempt already running is not interrupted: `fn` receives the signal to honour itself.
 */
export async function withRetry<T>(
  fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T> | T,
  options: RetryOptions = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  const baseMs = options.baseMs ?? 100;
  const maxMs = options.maxMs ?? 10_000;
  const retryable = options.isRetryable ?? defaultIsRetryable;
  const { signal } = options;

  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt, signal);
    } catch (err) {
      if (attempt > retries || !retryable(err) || signal?.aborted) throw err;
      const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
      options.onRetry?.({ err, attempt, delayMs });
      await sleep(delayMs, signal);
    }
  }
}

/** Resolves after `ms`, or rejects with `signal.reason` as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
