/**
 * What every GET against Eurostat shares, whether it reads the catalogue (table of contents,
 * update feed) or streams a dataset's answer: a per-attempt timeout under the caller's abort
 * signal, and the line between transient faults and final answers. A network error, a timeout,
 * 429, 5xx and a body cut short can succeed a moment later and are retried with backoff; any other
 * status is an answer that retrying cannot change, read by the caller.
 */
import { withRetry } from '@lakestream/config';
import { EurostatError } from '../errors.js';

/** How requests are made and retried. */
export interface HttpRetryOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  signal?: AbortSignal | undefined;
  /** Called before each backoff, e.g. to log the retry. */
  onRetry?: (info: { err: unknown; attempt: number; delayMs: number }) => void;
}

/** Runs `attempt` until it succeeds, throws a final error, or the attempts run out. */
export function retryHttp<T>(attempt: () => Promise<T>, options: HttpRetryOptions): Promise<T> {
  return withRetry(attempt, {
    retries: options.maxAttempts - 1,
    baseMs: options.retryBaseMs,
    maxMs: 30_000,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
}

/**
 * One attempt's GET: the response of any status but 429 and 5xx (those, and a network error or
 * timeout, throw LS_EUROSTAT_HTTP_UNAVAILABLE), with the signal that bounds reading its body.
 */
export async function getOnce(
  url: string,
  accept: string,
  options: Pick<HttpRetryOptions, 'timeoutMs' | 'signal'>,
): Promise<{ response: Response; signal: AbortSignal }> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept } });
  } catch (err) {
    throw unavailable(url, describeFault(err, options.timeoutMs), err);
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel().catch(() => {});
    throw unavailable(url, `HTTP ${response.status}`);
  }
  return { response, signal };
}

/** LS_EUROSTAT_HTTP_UNAVAILABLE (retryable) naming the URL and why. */
export function unavailable(url: string, why: string, cause?: unknown): EurostatError {
  return new EurostatError('LS_EUROSTAT_HTTP_UNAVAILABLE', `GET ${url}: ${why}`, {
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A transport fault in a few words: the timeout, else the socket's code or message. */
export function describeFault(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no complete answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
