/**
 * The PostgreSQL side of loading a version: the per-dataset lock, what is loaded now, the
 * staging table filled by COPY, and the swap that publishes it with its labels and its `loads`
 * row in one transaction.
 *
 * Why a staging table renamed into place rather than TRUNCATE + COPY: TRUNCATE takes the table's
 * exclusive lock at once, so readers would wait for the whole COPY; a new table is filled while
 * readers keep reading the old version, and the exclusive lock is held only for the swap (a drop,
 * two renames and the labels) at the end. A reader that queued on the lock resolves the name again
 * once it is granted and reads the new table. The new table also takes a new structure (a new
 * dimension) without an ALTER, and its primary key is built once after the COPY instead of being
 * maintained row by row.
 */
import { randomBytes } from 'node:crypto';
import { EUROSTAT_TABLES, eurostatObservationsTable } from '@lakestream/lake';
import type pg from 'pg';
import type { JsonStatDataset } from '../jsonstat/dataset.js';
import { observationsTableDdl, observationsTableName, quoted } from '../pg/observations.js';
import { SCHEMA } from '../pg/schema.js';
import type { CheckResult } from '../quality/checks.js';

// Namespace of the per-dataset advisory locks (the second key is the code's hash).
const LOAD_LOCK_SPACE = 0x6573_6c64; // "esld"

/**
 * Holds the session-level lock of a dataset's loads for `client`: one load of a dataset at a time,
 * from the "already loaded?" question to the removal of the old Parquet after the commit.
 * Released by `unlockDataset` or when the connection ends (a killed loader frees it).
 */
export async function lockDataset(client: pg.PoolClient, code: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOAD_LOCK_SPACE, code]);
}

export async function unlockDataset(client: pg.PoolClient, code: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOAD_LOCK_SPACE, code]);
}

/** What is loaded for a dataset: whether `updateTime` is, and the published version's rows. */
export async function loadedState(
  client: pg.PoolClient,
  code: string,
  updateTime: string,
): Promise<{ loaded: boolean; previousRows: number | null }> {
  const { rows } = await client.query<{ rows: string; this_version: boolean }>(
    `SELECT rows, update_time = $2::timestamptz AS this_version
       FROM ${SCHEMA}.${EUROSTAT_TABLES.loads.name}
      WHERE code = $1
      ORDER BY loaded_at DESC, update_time DESC`,
    [code, updateTime],
  );
  return {
    loaded: rows.some((r) => r.this_version),
    previousRows: rows[0] === undefined ? null : Number(rows[0].rows),
  };
}

/**
 * A short staging name, unique to this load (PostgreSQL cuts names at 63 bytes): random, since
 * loads of different datasets run at once, in one process or several.
 */
export function stagingTableName(): string {
  return `observations_load_${randomBytes(8).toString('hex')}`;
}

/** Creates the staging table (no key yet) and returns the COPY statement that fills it. */
export async function createStaging(
  client: pg.PoolClient,
  staging: string,
  code: string,
  columns: readonly string[],
): Promise<string> {
  await client.query(
    observationsTableDdl(`${SCHEMA}.${staging}`, columns, { dataset: code, primaryKey: false }),
  );
  return `COPY ${SCHEMA}.${staging} (${quoted(columns)}, value, status) FROM STDIN`;
}

/**
 * The key's column order: the dimensions with the most categories first, ties in the dataset's
 * order. The key is built by one sort of every row, and a leading column that barely varies (freq
 * is `A` in every row of an annual dataset) makes each comparison walk several equal columns and
 * defeats PostgreSQL's abbreviated keys: at a million cells the sort took 8 s of CPU in the
 * dataset's order (freq, unit, sex, age, geo, time) and 2 s with time and geo first. Lookups by a
 * busy dimension (a country, a year) also get a useful leading column.
 */
export function keyColumns(columns: readonly string[], categories: readonly number[]): string[] {
  return columns
    .map((column, i) => ({ column, i, n: categories[i] ?? 0 }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((c) => c.column);
}

/**
 * Builds the staging table's primary key on `columns` (in `keyColumns`' order); resolves with the refused key when two rows share one
 * (PostgreSQL's detail, `Key (geo, time)=(DE, 2020) is duplicated.`), else undefined. The
 * transaction is aborted in the first case.
 */
export async function addPrimaryKey(
  client: pg.PoolClient,
  staging: string,
  columns: readonly string[],
): Promise<string | undefined> {
  try {
    // The key is built by one sort of every row: memory enough keeps it off disk for millions.
    await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
    await client.query(
      `ALTER TABLE ${SCHEMA}.${staging} ADD CONSTRAINT ${staging}_pkey PRIMARY KEY (${quoted(columns)})`,
    );
    return undefined;
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    if (e.code === '23505') return e.detail ?? 'a key given twice';
    throw err;
  }
}

/** Publishes the staging table as the dataset's observations, with its labels and its loads row. */
export async function swapIn(
  client: pg.PoolClient,
  input: {
    staging: string;
    code: string;
    updateTime: string;
    rows: number;
    checks: CheckResult[];
    dataset: JsonStatDataset;
  },
): Promise<void> {
  const { staging, code } = input;
  const table = eurostatObservationsTable(code);
  await client.query(`DROP TABLE IF EXISTS ${observationsTableName(code)}`);
  await client.query(`ALTER TABLE ${SCHEMA}.${staging} RENAME TO ${table}`);
  await client.query(`ALTER INDEX ${SCHEMA}.${staging}_pkey RENAME TO ${table}_pkey`);
  await replaceLabels(client, code, input.dataset);
  await client.query(
    `INSERT INTO ${SCHEMA}.${EUROSTAT_TABLES.loads.name} (code, update_time, rows, checks, loaded_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (code, update_time)
     DO UPDATE SET rows = EXCLUDED.rows, checks = EXCLUDED.checks, loaded_at = EXCLUDED.loaded_at`,
    [code, input.updateTime, input.rows, JSON.stringify(input.checks)],
  );
}

/** The dataset's category labels, replaced whole (arrays: one statement whatever their number). */
async function replaceLabels(
  client: pg.PoolClient,
  code: string,
  dataset: JsonStatDataset,
): Promise<void> {
  const table = `${SCHEMA}.${EUROSTAT_TABLES.dimensionLabels.name}`;
  await client.query(`DELETE FROM ${table} WHERE code = $1`, [code]);
  const dimension: string[] = [];
  const category: string[] = [];
  const label: string[] = [];
  const position: number[] = [];
  for (const d of dataset.dimensions) {
    for (const c of d.categories) {
      dimension.push(d.id.toLowerCase());
      category.push(c.code);
      label.push(c.label);
      position.push(c.position);
    }
  }
  await client.query(
    `INSERT INTO ${table} (code, dimension, category, label, position)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[])`,
    [code, dimension, category, label, position],
  );
}

/** Records a version the gate refused (its own table: `loads` holds published versions only). */
export async function recordRejection(
  pool: pg.Pool,
  input: {
    code: string;
    updateTime: string;
    rows: number;
    checks: CheckResult[];
    bronzeKey: string;
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO ${SCHEMA}.rejections (code, update_time, rows, checks, bronze_key)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (code, update_time) DO UPDATE SET rows = EXCLUDED.rows, checks = EXCLUDED.checks,
       bronze_key = EXCLUDED.bronze_key, attempts = ${SCHEMA}.rejections.attempts + 1,
       rejected_at = now()`,
    [input.code, input.updateTime, input.rows, JSON.stringify(input.checks), input.bronzeKey],
  );
}
