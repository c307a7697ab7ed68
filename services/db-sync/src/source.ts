/**
 * The source server: one mysql2 pool per database, configured so that values arrive exact
 * (temporal values as text with their microseconds, BIGINT and DECIMAL as text) and every session
 * reads TIMESTAMP values in UTC; and the translation of the client's errors into db-sync's codes,
 * with the password scrubbed from any text that could carry it.
 */
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import type { SourceEndpoint } from './config.js';
import { DbSyncError } from './errors.js';

/** A pool of at most `connectionLimit` connections to one database's server. */
export function createSourcePool(
  endpoint: SourceEndpoint,
  options: { connectionLimit: number; connectTimeoutMs: number },
): Pool {
  return createPool({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    connectionLimit: options.connectionLimit,
    connectTimeout: options.connectTimeoutMs,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    charset: 'utf8mb4',
    // Idle connections are closed rather than found dead at the next table.
    maxIdle: 0,
    idleTimeout: 60_000,
    enableKeepAlive: true,
  });
}

/** A connection of `pool` with the session settings every read relies on. */
export async function sourceConnection(
  pool: Pool,
  endpoint: SourceEndpoint,
): Promise<PoolConnection> {
  let connection: PoolConnection;
  try {
    connection = await pool.getConnection();
  } catch (err) {
    throw sourceError(err, endpoint, `connecting to ${endpoint.host}:${endpoint.port}`);
  }
  try {
    await connection.query("SET time_zone = '+00:00'");
    return connection;
  } catch (err) {
    connection.release();
    throw sourceError(err, endpoint, 'setting the session time zone');
  }
}

// Client error codes after which the same statement can succeed on a new connection.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_NET_WRITE_INTERRUPTED',
]);

// Server errno for lost/gone connections the client reports without a symbolic code.
const TRANSIENT_ERRNOS = new Set([1040, 1053, 1205, 1213, 1927, 2002, 2003, 2006, 2013]);

/** `text` without the password (a server or client message could echo it). */
export function scrub(text: string, endpoint: Pick<SourceEndpoint, 'password'>): string {
  return endpoint.password === '' ? text : text.split(endpoint.password).join('[redacted]');
}

/** A client error as a DbSyncError: a stable code, retryable when a new attempt can succeed. */
export function sourceError(err: unknown, endpoint: SourceEndpoint, doing: string): DbSyncError {
  if (err instanceof DbSyncError) return err;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; sqlState?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const message = scrub(typeof e.message === 'string' ? e.message : String(err), endpoint);
  // The cause keeps the client's code and number but never its message text unscrubbed.
  const cause = { code, errno, message };
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR' || errno === 1045) {
    return new DbSyncError(
      'LS_DB_SYNC_ACCESS_DENIED',
      `${doing}: the source refused user '${endpoint.user}' at ${endpoint.host}:${endpoint.port} (check db_user / db_pass): ${message}`,
      { cause },
    );
  }
  const transient =
    (code !== undefined && TRANSIENT_CODES.has(code)) ||
    (errno !== undefined && TRANSIENT_ERRNOS.has(errno)) ||
    /closed state|connection lost|Connection lost/i.test(message);
  return new DbSyncError(
    transient ? 'LS_DB_SYNC_SOURCE_UNAVAILABLE' : 'LS_DB_SYNC_SOURCE_FAILED',
    `${doing}: ${message}`,
    { cause, retryable: transient },
  );
}
