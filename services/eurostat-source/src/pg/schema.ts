/**
 * The `eurostat` schema in PostgreSQL: its fixed tables (packages/lake names them and their
 * columns) and the announcements the watcher records. Created idempotently under an advisory
 * lock, so two commands starting at once do not race on `CREATE … IF NOT EXISTS` (which can
 * still collide on the catalog's unique type names).
 */
import { EUROSTAT_PG_SCHEMA } from '@lakestream/lake';
import type pg from 'pg';
import { databaseFailed } from '../errors.js';

/** The schema, quoted for SQL text. */
export const SCHEMA = EUROSTAT_PG_SCHEMA;

/** Statements that create the schema and its fixed tables; each is idempotent. */
export const SCHEMA_DDL: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`,
  // The table of contents' datasets and tables (folders hold no data). Dates are Brussels
  // calendar dates as the table of contents gives them; periods stay text (2026-Q2, 2026-07);
  // changed_at moves only when a row's content changes, so a reload of the same file changes nothing.
  `CREATE TABLE IF NOT EXISTS ${SCHEMA}.catalog (
     code text PRIMARY KEY,
     title text NOT NULL,
     type text NOT NULL CHECK (type IN ('dataset', 'table')),
     last_data_update date,
     last_structure_change date,
     data_start text,
     data_end text,
     value_count bigint CHECK (value_count >= 0),
     changed_at timestamptz NOT NULL DEFAULT now()
   )`,
  // The datasets the keywords select; selected_at stays the first selection's time.
  `CREATE TABLE IF NOT EXISTS ${SCHEMA}.watchlist (
     code text PRIMARY KEY REFERENCES ${SCHEMA}.catalog (code) ON DELETE CASCADE,
     title text NOT NULL,
     keyword text NOT NULL,
     selected_at timestamptz NOT NULL DEFAULT now()
   )`,
  // One row per loaded version (written by the dataset sync); the watcher reads the latest.
  `CREATE TABLE IF NOT EXISTS ${SCHEMA}.loads (
     code text NOT NULL,
     update_time timestamptz NOT NULL,
     rows bigint NOT NULL CHECK (rows >= 0),
     checks jsonb NOT NULL,
     loaded_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (code, update_time)
   )`,
  // Versions the quality gate refused (kept out of loads, which holds published versions only,
  // so the watcher and readers never take a refused version for the current one); a refused
  // version tried again updates its row.
  `CREATE TABLE IF NOT EXISTS ${SCHEMA}.rejections (
     code text NOT NULL,
     update_time timestamptz NOT NULL,
     rows bigint NOT NULL CHECK (rows >= 0),
     checks jsonb NOT NULL,
     bronze_key text NOT NULL,
     attempts integer NOT NULL DEFAULT 1,
     rejected_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (code, update_time)
   )`,
  `CREATE TABLE IF NOT EXISTS ${SCHEMA}.dimension_labels (
     code text NOT NULL,
     dimension text NOT NULL,
     category text NOT NULL,
     label text NOT NULL,
     position integer NOT NULL CHECK (position >= 0),
     PRIMARY KEY (code, dimension, category)
   )`,
  // Every update event the watcher published: (code, update time) is announced once.
  `CREATE TABLE IF NOT EXISTS ${SCHEMA}.announcements (
     code text NOT NULL,
     update_time timestamptz NOT NULL,
     changed text NOT NULL CHECK (changed IN ('data', 'structure', 'codelist')),
     source text NOT NULL CHECK (source IN ('feed', 'catalog', 'manual')),
     detected_at timestamptz NOT NULL,
     announced_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (code, update_time)
   )`,
];

// Any constant: it only has to be the same for every process creating the schema.
const SCHEMA_LOCK = 0x6575_726f; // "euro"

/** Creates the schema and its tables if missing; throws LS_EUROSTAT_DATABASE_FAILED. */
export async function ensureSchema(pool: pg.Pool): Promise<void> {
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    for (const statement of SCHEMA_DDL) await client.query(statement);
    await client.query('COMMIT');
  } catch (err) {
    await client?.query('ROLLBACK').catch(() => {});
    throw databaseFailed(err, `creating the ${SCHEMA} schema`);
  } finally {
    client?.release();
  }
}
