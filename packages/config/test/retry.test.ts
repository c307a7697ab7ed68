import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRetryable, LakestreamError } from '../src/errors.js';
import { type RetryAttempt, withRetry } from '../src/retry.js';

const transient = () => new LakestreamError('LS_TEST_TRANSIENT', 'try again', { retryable: true });
const permanent = () => new LakestreamError('LS_TEST_PERMANENT', 'no use', { retryable: false });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('LakestreamError', () => {
  it('carries code, retryable, cause, details and the subclass name', () => {
    class DemoError extends LakestreamError {}
    const cause = new Error('socket hang up');
    const err = new DemoError('LS_DEMO_FAILED', 'demo failed', {
      retryable: true,
      cause,
      details: { topic: 'orders' },
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('DemoError');
    expect(err.code).toBe('LS_DEMO_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ topic: 'orders' });
    expect(new LakestreamError('LS_DEMO_X', 'x').retryable).toBe(false);
  });

  it('isRetryable trusts only an explicit retryable flag', () => {
    expect(isRetryable(transient())).toBe(true);
    expect(isRetryable(permanent())).toBe(false);
    expect(isRetryable(Object.assign(new Error('from a client'), { retryable: true }))).toBe(true);
    expect(isRetryable(new Error('unknown'))).toBe(false);
    expect(isRetryable('string')).toBe(false);
    expect(isRetryable(null)).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries retryable errors with growing, jittered backoff until success', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const seen: RetryAttempt[] = [];
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        expect(attempt).toBe(calls);
        if (calls < 4) throw transient();
        return 'done';
      },
      { retries: 5, baseMs: 4, maxMs: 10, onRetry: (info) => seen.push(info) },
    );
    expect(result).toBe('done');
    // Full jitter: random × min(maxMs, baseMs·2^n) → 0.5 × 4, 8, 10 (capped).
    expect(seen.map((info) => [info.attempt, info.delayMs])).toEqual([
      [1, 2],
      [2, 4],
      [3, 5],
    ]);
  });

  it('does not retry a non-retryable error', async () => {
    const fn = vi.fn(async () => {
      throw permanent();
    });
    await expect(withRetry(fn, { baseMs: 1 })).rejects.toMatchObject({ code: 'LS_TEST_PERMANENT' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('gives up after `retries` retries and rethrows the last error unchanged', async () => {
    const errors: LakestreamError[] = [];
    const fn = vi.fn(async () => {
      const err = transient();
      errors.push(err);
      throw err;
    });
    const failure = await withRetry(fn, { retries: 2, baseMs: 1 }).catch((err: unknown) => err);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(failure).toBe(errors[2]);
  });

  it('uses a custom isRetryable', async () => {
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        if (calls === 1) throw new Error('ECONNRESET');
        return calls;
      },
      { baseMs: 1, isRetryable: (err) => err instanceof Error && err.message === 'ECONNRESET' },
    );
    expect(result).toBe(2);
  });

  it('stops during a backoff when the signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw transient();
    });
    const started = Date.now();
    const pending = withRetry(fn, {
      baseMs: 60_000,
      maxMs: 60_000,
      signal: controller.signal,
      onRetry: () => setTimeout(() => controller.abort(new Error('shutting down')), 10),
    });
    vi.spyOn(Math, 'random').mockReturnValue(1);
    await expect(pending).rejects.toThrow('shutting down');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not start when the signal is already aborted, and passes the signal to fn', async () => {
    const fn = vi.fn(async () => 1);
    await expect(withRetry(fn, { signal: AbortSignal.abort(new Error('stop')) })).rejects.toThrow(
      'stop',
    );
    expect(fn).not.toHaveBeenCalled();

    const controller = new AbortController();
    await withRetry((_attempt, signal) => expect(signal).toBe(controller.signal), {
      signal: controller.signal,
    });
  });
});
