import { LoaderError } from './errors.js';

/** The fields of a BigQuery API error (or a failed job's `errorResult`) the loader reads. */
export interface ApiErrorLike {
  code?: number | string;
  message?: string;
  errors?: { reason?: string; message?: string }[];
  response?: { jobReference?: { jobId?: string } };
}

const RETRYABLE_REASONS = new Set([
  'backendError',
  'internalError',
  'jobBackendError',
  'jobInternalError',
  'rateLimitExceeded',
  'jobRateLimitExceeded',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

/**
 * BigQuery's own "retry" advice: 429/5xx, and the `backendError`/`internalError`/`rateLimitExceeded`
 * reasons (a failed job reports them with HTTP 400 or 200), plus network failures. The emulator
 * reports every failed job as `jobInternalError`, an analysis error included, so there that
 * reason is final.
 */
export function classifyBigqueryError(err: unknown, what: string, emulator: boolean): LoaderError {
  if (err instanceof LoaderError) return err;
  const e = (err ?? {}) as ApiErrorLike;
  const status = typeof e.code === 'number' ? e.code : undefined;
  const reasons = (e.errors ?? []).map((x) => x.reason ?? '');
  const retryable =
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    /fetch failed|socket hang up|ECONNREFUSED|ECONNRESET/.test(e.message ?? '') ||
    reasons.some((r) => RETRYABLE_REASONS.has(r) && !(emulator && r === 'jobInternalError'));
  return new LoaderError(
    retryable ? 'LS_LOADER_WAREHOUSE_UNAVAILABLE' : 'LS_LOADER_WAREHOUSE_FAILED',
    `${what}: ${e.message ?? e.errors?.[0]?.message ?? (reasons.join(', ') || String(err))}`,
    { cause: err, retryable, details: { status, reasons } },
  );
}

/** The dataset, table or job does not exist. */
export function isNotFound(err: unknown): boolean {
  return (err as ApiErrorLike)?.code === 404;
}

/** The dataset or table already exists (created meanwhile by another run). */
export function isAlreadyExists(err: unknown): boolean {
  return (err as ApiErrorLike)?.code === 409;
}

/** 409 is BigQuery's answer to a job id in use; the emulator answers 400 "… is already created". */
export function isJobIdTaken(err: unknown, emulator: boolean): boolean {
  const e = err as ApiErrorLike;
  if (e?.code === 409) return true;
  return emulator && e?.code === 400 && /is already created/.test(e.message ?? '');
}
