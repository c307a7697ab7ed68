import type { Logger } from '@lakestream/observability';
import pg from 'pg';
import { classifyPostgresError } from './errors.js';

/** Options of `createPool`. */
export interface PoolOptions {
  databaseUrl: string;
  /** Most connections: one per partition written at once, plus one for probes. */
  max: number;
  applicationName: string;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  logger: Logger;
}

/**
 * The sink's PostgreSQL pool. A connection that dies – idle in the pool or checked out between
 * two queries – is logged instead of crashing the process (node-postgres emits `error` on the
 * client, which would otherwise be unhandled); the query running on it fails and is retried.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const log = options.logger.child({ component: 'postgres' });
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.max,
    application_name: options.applicationName,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // A staging batch is a few MB; the default 8 MB of temp buffers would spill it to disk.
    options: '-c temp_buffers=64MB',
  });
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err }, 'PostgreSQL connection lost'));
  });
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection lost'));
  return pool;
}

/** Checks out a connection, with connection failures classified (retryable when transient). */
export async function connect(pool: pg.Pool, what: string): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw classifyPostgresError(err, `connecting to PostgreSQL (${what})`);
  }
}

/** Resolves when PostgreSQL answers `SELECT 1`; the readiness probe. */
export async function pingPostgres(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}
