/**
 * Replaces a Firestore collection's DuckDB table with one export run's rows, in one transaction
 * with its bookkeeping row: a reader sees the previous snapshot or this one, never a mix, and a
 * failure (a value its column type cannot hold, a row count unlike the manifest's) leaves the
 * previous snapshot as it was.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { BronzeFileManifest } from '@lakestream/lake';
import { quoteIdent } from '@lakestream/silver';
import type { SnapshotOutcome } from './documents-writer.js';
import { classifyDuckdbError } from './duckdb-target.js';
import { LoaderError } from './errors.js';
import { SNAPSHOTS_TABLE, snapshotSql, snapshotsDdl } from './firestore-snapshot-sql.js';

/** Runs inside the replace's transaction, after the new rows are written, before the commit. */
export type BeforeCommit = () => Promise<void>;

/**
 * Replaces `<target_schema>.<target_table>` with the rows of `file` (the object, local), unless
 * this run is recorded already or a later read time is loaded.
 */
export async function replaceSnapshotDuckdb(
  conn: DuckDBConnection,
  manifest: BronzeFileManifest,
  file: string | undefined,
  beforeCommit?: BeforeCommit,
): Promise<SnapshotOutcome> {
  const { source } = manifest;
  const schema = quoteIdent(source.target_schema);
  const target = `${schema}.${quoteIdent(source.target_table)}`;
  const table = `${source.target_schema}.${source.target_table}`;
  const what = `run ${source.run_id} of ${source.project}/${source.collection} into ${table}`;
  const step = async (sql: string, doing: string, params?: (string | number)[]) => {
    try {
      return (await conn.runAndReadAll(sql, params)).getRowObjectsJson();
    } catch (err) {
      throw classifyDuckdbError(err, `${what}: ${doing}`);
    }
  };
  await step(`CREATE SCHEMA IF NOT EXISTS ${schema}`, 'creating the schema');
  await step(snapshotsDdl(source.target_schema), 'creating the bookkeeping table');
  const book = `${schema}.${SNAPSHOTS_TABLE}`;
  const [prior] = await step(
    `SELECT bool_or(run_id = $2) AS same, strftime(max(read_time), '%Y-%m-%dT%H:%M:%S.%fZ') AS latest, max(read_time) > CAST($3 AS TIMESTAMPTZ) AS newer FROM ${book} WHERE table_name = $1`,
    'reading the bookkeeping table',
    [source.target_table, source.run_id, source.read_time],
  );
  if (prior?.same === true) return { kind: 'recorded', table };
  if (prior?.newer === true) {
    return { kind: 'superseded', table, loadedReadTime: String(prior.latest) };
  }
  await step('BEGIN TRANSACTION', 'starting a transaction');
  try {
    try {
      await conn.run(snapshotSql(target, source.columns, file));
    } catch (err) {
      const busy = classifyDuckdbError(err, what);
      if (busy.retryable) throw busy;
      throw new LoaderError(
        'LS_LOADER_DOCUMENTS_INVALID',
        `${what}: its rows do not load with the manifest's columns: ${(err as Error).message}`,
        { cause: err, details: { key: manifest.key } },
      );
    }
    const [count] = await step(`SELECT count(*) AS n FROM ${target}`, 'counting rows');
    const rows = Number(count?.n);
    if (rows !== manifest.record_count) {
      throw new LoaderError(
        'LS_LOADER_DOCUMENTS_INVALID',
        `${what}: ${manifest.key} holds ${rows} rows; its manifest says ${manifest.record_count}`,
        { details: { key: manifest.key } },
      );
    }
    await step(
      `INSERT INTO ${book} VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), $4, $5, now())`,
      'recording the run',
      [source.target_table, source.run_id, source.read_time, manifest.key, rows],
    );
    await beforeCommit?.();
    await step('COMMIT', 'committing');
    return { kind: 'replaced', table, rows };
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => {});
    throw err;
  }
}
