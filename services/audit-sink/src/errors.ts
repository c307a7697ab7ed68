import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';
import { errorMetricCode } from '@lakestream/observability';

/** The closed list of codes of the errors the audit sink raises, counts or logs. */
export const AUDIT_ERROR_CODES = [
  /** PostgreSQL cannot be reached or dropped the connection; retried until it is back. */
  'LS_AUDIT_PG_UNAVAILABLE',
  /** PostgreSQL is up but refused for now (serialization, deadlock, lock or statement timeout). */
  'LS_AUDIT_PG_BUSY',
  /** PostgreSQL rejected a value (data exception): the batch is split to find the bad row. */
  'LS_AUDIT_PG_REJECTED_DATA',
  /** Any other PostgreSQL failure (missing table, permissions, …): fatal, needs an operator. */
  'LS_AUDIT_PG_FAILED',
  /** A migration file applied earlier has been edited since. */
  'LS_AUDIT_MIGRATION_CHANGED',
  /** A migration file is misnamed, duplicated or would apply out of order. */
  'LS_AUDIT_MIGRATION_INVALID',
  /** The dead-letter topic did not accept a record after the client's own retries. */
  'LS_AUDIT_DLQ_FAILED',
  /** The Kafka cluster did not say its id, which every audit key includes; start-up fails. */
  'LS_AUDIT_CLUSTER_ID_MISSING',
  /**
   * A message's key (cluster, topic, partition, offset) is already stored with another payload
   * or key (a topic deleted and created again): counted, logged and recorded, never skipped.
   */
  'LS_AUDIT_KEY_CONFLICT',
] as const;

/** One of `AUDIT_ERROR_CODES`. */
export type AuditSinkErrorCode = (typeof AUDIT_ERROR_CODES)[number];

/** An error of the audit sink: a stable code, a retryable flag and the original cause. */
export class AuditSinkError extends LakestreamError {
  declare readonly code: AuditSinkErrorCode;

  constructor(code: AuditSinkErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

// SQLSTATE classes and codes after which the same statement can succeed later.
// 08: connection exception; 53: insufficient resources (disk full, out of memory, too many
// connections); 57P01/57P02/57P03: admin shutdown, crash shutdown, cannot connect now.
const UNAVAILABLE_CLASSES = new Set(['08', '53']);
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '58030']);
// 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 57014 statement timeout
// (a slow server): the server is fine, the moment was not.
const BUSY_CODES = new Set(['40001', '40P01', '55P03', '57014']);
// 22: data exception (a value PostgreSQL will not take); 54: program limit (nesting too deep,
// value too long). Both are a property of one row, not of the moment.
const DATA_CLASSES = new Set(['22', '54']);
// Socket-level failures from Node.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// node-postgres reports a lost or unobtainable connection with plain messages and no code.
const CLIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable|Query read timeout|connection timeout/i;

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQLSTATE of a PostgreSQL error (`23505`), else undefined. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SQLSTATE.test(code) ? code : undefined;
}

/**
 * Classifies a failure of a PostgreSQL operation into the sink's error codes. Only what can
 * succeed later is retryable: a lost or refused connection, an overloaded or restarting server,
 * a serialization failure or deadlock, a lock or statement timeout.
 */
export function classifyPostgresError(err: unknown, what: string): AuditSinkError {
  if (err instanceof AuditSinkError) return err;
  const state = sqlState(err);
  const message = err instanceof Error ? err.message : String(err);
  const details = state === undefined ? {} : { sqlState: state };
  if (state !== undefined) {
    const klass = state.slice(0, 2);
    if (UNAVAILABLE_CLASSES.has(klass) || UNAVAILABLE_CODES.has(state)) {
      return new AuditSinkError('LS_AUDIT_PG_UNAVAILABLE', `${what}: ${message}`, {
        retryable: true,
        cause: err,
        details,
      });
    }
    if (BUSY_CODES.has(state)) {
      return new AuditSinkError('LS_AUDIT_PG_BUSY', `${what}: ${message}`, {
        retryable: true,
        cause: err,
        details,
      });
    }
    if (DATA_CLASSES.has(klass)) {
      return new AuditSinkError('LS_AUDIT_PG_REJECTED_DATA', `${what}: ${message}`, {
        cause: err,
        details,
      });
    }
    return new AuditSinkError('LS_AUDIT_PG_FAILED', `${what}: ${message}`, { cause: err, details });
  }
  const code = (err as { code?: unknown } | null)?.code;
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || CLIENT_MESSAGES.test(message)) {
    return new AuditSinkError('LS_AUDIT_PG_UNAVAILABLE', `${what}: ${message}`, {
      retryable: true,
      cause: err,
    });
  }
  return new AuditSinkError('LS_AUDIT_PG_FAILED', `${what}: ${message}`, { cause: err });
}

/** The sink's own error in a chain of causes (kafkajs wraps what `eachBatch` threw). */
export function sinkErrorIn(err: unknown): AuditSinkError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof AuditSinkError) return e;
  }
  return undefined;
}

/** The errors counter's `code` label: the sink's own code, else the shared rule. */
export function errorCodeOf(err: unknown): string {
  return sinkErrorIn(err)?.code ?? errorMetricCode(err);
}
