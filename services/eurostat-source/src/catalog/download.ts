/**
 * One GET against Eurostat's catalogue endpoints (the table of contents, the update feed), with
 * the transient faults retried: a network error, a timeout, 429 and 5xx can succeed a moment
 * later; any other status is an answer that retrying cannot change.
 */
import { withRetry } from '@lakestream/config';
import { EurostatError } from '../errors.js';

/** How `downloadText` asks and retries. */
export interface DownloadOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  signal?: AbortSignal | undefined;
  /** Called before each backoff, e.g. to log the retry. */
  onRetry?: (info: { err: unknown; attempt: number; delayMs: number }) => void;
}

/** A downloaded body with what it cost. */
export interface Downloaded {
  text: string;
  bytes: number;
  seconds: number;
  attempts: number;
}

/** GETs `url` as UTF-8 text; throws LS_EUROSTAT_HTTP_UNAVAILABLE or LS_EUROSTAT_HTTP_FAILED naming the URL. */
export async function downloadText(url: string, options: DownloadOptions): Promise<Downloaded> {
  const started = performance.now();
  let attempts = 0;
  const body = await withRetry(
    async () => {
      attempts += 1;
      return getOnce(url, options);
    },
    {
      retries: options.maxAttempts - 1,
      baseMs: options.retryBaseMs,
      maxMs: 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    },
  );
  return {
    text: new TextDecoder('utf-8').decode(body),
    bytes: body.byteLength,
    seconds: (performance.now() - started) / 1000,
    attempts,
  };
}

async function getOnce(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      signal,
      headers: { accept: 'text/plain, application/xml, */*' },
    });
  } catch (err) {
    throw unavailable(url, describe(err, options.timeoutMs), err);
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel().catch(() => {});
    throw unavailable(url, `HTTP ${response.status}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new EurostatError('LS_EUROSTAT_HTTP_FAILED', `GET ${url}: HTTP ${response.status}`);
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    // A body cut short (connection reset mid-transfer) is a transient fault like a refused connection.
    throw unavailable(url, `body cut short: ${describe(err, options.timeoutMs)}`, err);
  }
}

function unavailable(url: string, why: string, cause?: unknown): EurostatError {
  return new EurostatError('LS_EUROSTAT_HTTP_UNAVAILABLE', `GET ${url}: ${why}`, {
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
  });
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no complete answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
