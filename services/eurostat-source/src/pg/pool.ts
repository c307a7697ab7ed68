import type { Logger } from '@lakestream/observability';
import pg from 'pg';

/**
 * The service's PostgreSQL pool. A connection that dies idle or between two queries is logged
 * instead of crashing the process (node-postgres emits `error`, unhandled otherwise); the query
 * on it fails and the run reports it.
 */
export function createPool(databaseUrl: string, logger: Logger, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err }, 'PostgreSQL connection lost'));
  });
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL connection lost'));
  return pool;
}
