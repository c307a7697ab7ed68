/**
 * A PostgreSQL database of a test file's own, so the fixed `eurostat` schema of one file's runs
 * never meets another's: created empty under a random name, dropped at the end with its
 * connections forced out (a crashed run may leave some open).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** A created database: its connection URL and how to drop it. */
export interface ScratchDatabase {
  name: string;
  url: string;
  /**
   * A pool on the database, ended by `drop` before the database goes. Its connections ignore the
   * server ending them: the forced drop may reach one the pool is still closing.
   */
  pool(max: number): pg.Pool;
  /** Ends the pools, drops the database and closes the admin connection (idempotent). */
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` on the server of DATABASE_URL. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL ?? '');
  url.pathname = `/${name}`;
  const pools: pg.Pool[] = [];
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    pool: (max) => {
      const pool = new pg.Pool({ connectionString: url.toString(), max });
      pool.on('error', () => {});
      pool.on('connect', (client) => client.on('error', () => {}));
      pools.push(pool);
      return pool;
    },
    drop: () => {
      dropping ??= Promise.all(pools.map((p) => p.end().catch(() => {})))
        .then(() => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
        .then(() => admin.end());
      return dropping;
    },
  };
}
