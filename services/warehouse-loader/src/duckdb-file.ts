/**
 * The warehouse file opened for one write and closed after: dbt, the dashboard and the silver
 * loader open the same file, and DuckDB lets only one process hold it, so the per-object writers
 * (db worker, documents worker, gcs-load) never keep it open between writes.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { classifyDuckdbError } from './duckdb-target.js';

/**
 * Opens the DuckDB file for one call (created when missing), closing it after. A file held by
 * another process fails as a retryable `LoaderError`.
 */
export async function withDuckdbFile<T>(
  path: string,
  fn: (conn: DuckDBConnection, instance: DuckDBInstance) => Promise<T>,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  let instance: DuckDBInstance | undefined;
  let conn: DuckDBConnection | undefined;
  try {
    // Extensions are statically linked (parquet, json, icu); nothing may be fetched at run time.
    instance = await DuckDBInstance.create(path, {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    conn = await instance.connect();
    // TIMESTAMPTZ values are UTC instants; `now()` and casts of zoned text convert in UTC.
    await conn.run("SET TimeZone = 'UTC'");
  } catch (err) {
    conn?.closeSync();
    instance?.closeSync();
    throw classifyDuckdbError(err, `opening ${path}`);
  }
  try {
    return await fn(conn, instance);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
