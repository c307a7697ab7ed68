/**
 * One GET against Eurostat's catalogue endpoints (the table of contents, the update feed, the
 * ASYNC API's status), read whole as text; the transient faults are retried (http/retrying-get),
 * any other status than 2xx is final.
 */
import type { Logger } from '@lakestream/observability';
import type { EurostatConfig } from '../config.js';
import { EurostatError } from '../errors.js';
import {
  describeFault,
  getOnce,
  type HttpRetryOptions,
  retryHttp,
  unavailable,
} from '../http/retrying-get.js';
import type { DownloadKind, EurostatMetrics } from '../metrics.js';

/** A downloaded body with what it cost. */
export interface Downloaded {
  text: string;
  bytes: number;
  seconds: number;
  attempts: number;
}

/** GETs `url` as UTF-8 text; throws LS_EUROSTAT_HTTP_UNAVAILABLE or LS_EUROSTAT_HTTP_FAILED naming the URL. */
export async function downloadText(url: string, options: HttpRetryOptions): Promise<Downloaded> {
  const started = performance.now();
  let attempts = 0;
  const body = await retryHttp(async () => {
    attempts += 1;
    return getBody(url, options);
  }, options);
  return {
    text: new TextDecoder('utf-8').decode(body),
    bytes: body.byteLength,
    seconds: (performance.now() - started) / 1000,
    attempts,
  };
}

/** What a catalogue or watch run hands `downloadForRun`. */
export interface RunDownloadDeps {
  config: Pick<EurostatConfig, 'httpTimeoutMs' | 'maxAttempts' | 'retryBaseMs'>;
  logger: Logger;
  metrics?: EurostatMetrics | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Downloads a run's source file with the configured retries, each retry logged as `what` failing,
 * and counts its time and bytes under `kind`, so the table of contents and the update feed are
 * watched alike on the dashboards.
 */
export async function downloadForRun(
  url: string,
  kind: DownloadKind,
  what: string,
  deps: RunDownloadDeps,
): Promise<Downloaded> {
  const { config, logger, metrics } = deps;
  const download = await downloadText(url, {
    timeoutMs: config.httpTimeoutMs,
    maxAttempts: config.maxAttempts,
    retryBaseMs: config.retryBaseMs,
    signal: deps.signal,
    onRetry: ({ err, attempt, delayMs }) =>
      logger.warn({ err, attempt, delayMs, url }, `${what} download failed; retrying`),
  });
  metrics?.downloadSeconds.observe({ kind }, download.seconds);
  metrics?.downloadBytes.inc({ kind }, download.bytes);
  return download;
}

async function getBody(url: string, options: HttpRetryOptions): Promise<Uint8Array> {
  const { response } = await getOnce(url, 'text/plain, application/xml, */*', options);
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new EurostatError('LS_EUROSTAT_HTTP_FAILED', `GET ${url}: HTTP ${response.status}`);
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    // A body cut short (connection reset mid-transfer) is a transient fault like a refused connection.
    throw unavailable(url, `body cut short: ${describeFault(err, options.timeoutMs)}`, err);
  }
}
