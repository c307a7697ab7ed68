/**
 * The error type every Lakestream package throws: a stable machine-readable `code`, a `retryable`
 * flag that retry loops and dead-letter routing decide on, and the original `cause`.
 *
 * It lives in the config package because config is the bottom of the dependency graph and its own
 * `ConfigError` extends it; observability and the services import it from here.
 */

/** Stable error code, `LS_<AREA>_<WHAT>` (e.g. `LS_CONFIG_INVALID`, `LS_KAFKA_TIMEOUT`). */
export type ErrorCode = `LS_${string}`;

/** Optional parts of a `LakestreamError`. */
export interface LakestreamErrorOptions {
  /** True when the same operation may succeed if tried again (network, timeout, 5xx, leader move). */
  retryable?: boolean;
  /** The error this one wraps. */
  cause?: unknown;
  /** Structured context for logs; must never hold secret values. */
  details?: Readonly<Record<string, unknown>>;
}

/** Base class of all typed Lakestream errors. */
export class LakestreamError extends Error {
  /** Stable code, safe to match on and to use as a metric label. */
  readonly code: ErrorCode;
  /** Whether retrying the failed operation can succeed. */
  readonly retryable: boolean;
  /** Structured context for logs. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/**
 * True when `err` says it can be retried. Duck-typed on `retryable === true` so errors from another
 * copy of this package (or a client library that sets the same flag) are honoured too; anything
 * without the flag is treated as permanent, because retrying an unknown failure hides bugs.
 */
export function isRetryable(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true
  );
}

/** The error's stable code when it has one (`LS_…` or a client's own string code), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
