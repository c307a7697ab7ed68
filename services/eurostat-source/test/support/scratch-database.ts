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
  /** Drops the database and closes the admin connection (idempotent). */
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
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    drop: () => {
      dropping ??= admin
        .query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        .then(() => admin.end());
      return dropping;
    },
  };
}
