/**
 * Applies a database sync batch to the DuckDB warehouse: schema `src_<database>`, table
 * `<table>`, in one transaction with its bookkeeping row in `_ls_sync_batches`. The file is
 * opened per batch and closed after (dbt, the dashboard and the silver loader open it too).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  DB_METADATA_COLUMNS,
  DB_SYNC_VERSION,
  type DbSyncApplied,
  DbSyncAppliedSchema,
  type DbSyncBatch,
  dbWarehouseSchema,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { quoteIdent } from '@lakestream/silver';
import type { CoveragePiece } from './db-coverage.js';
import { followSource } from './db-drift.js';
import {
  KEYS_TABLE,
  keysSql,
  STAGE_TABLE,
  type StagePiece,
  SYNC_BATCHES_TABLE,
  stageSql,
  syncBatchesDdl,
  writeStatements,
} from './db-sql.js';
import type { DbWriter } from './db-writer.js';
import { withDuckdbFile } from './duckdb-file.js';
import { classifyDuckdbError } from './duckdb-target.js';
import { LoaderError } from './errors.js';

/** Options of `createDbDuckdbWriter`. */
export interface DbDuckdbOptions {
  /** The warehouse file (created when missing). */
  path: string;
  /** The lake the bronze objects are in: read in place when local, downloaded from GCS. */
  store: ObjectStore;
  /** Parent of the per-batch download folders (GCS store); default the OS temp folder. */
  tempDir?: string;
}

/** The DuckDB writer of the database source. */
export function createDbDuckdbWriter(options: DbDuckdbOptions): DbWriter {
  const local = options.store.location.startsWith('file:');

  async function localPieces(
    pieces: readonly CoveragePiece[],
  ): Promise<{ files: StagePiece[]; cleanup: () => Promise<void> }> {
    if (local) {
      const files = pieces.map((p) => ({ ...p, file: fileURLToPath(options.store.uri(p.key)) }));
      return { files, cleanup: async () => {} };
    }
    // DuckDB reads gs:// only through httpfs, fetched at run time: the objects come through the store.
    const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'lakestream-db-batch-'));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const paths = new Map<string, string>();
      for (const key of new Set(pieces.map((p) => p.key))) {
        const path = join(dir, `${String(paths.size).padStart(5, '0')}.jsonl.gz`);
        await writeFile(path, await options.store.get(key));
        paths.set(key, path);
      }
      return { files: pieces.map((p) => ({ ...p, file: paths.get(p.key)! })), cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  return {
    kind: 'duckdb',
    description: `duckdb ${options.path}`,

    async apply(batch, offset, pieces) {
      const schema = dbWarehouseSchema(batch.database);
      const q = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
      const what = `batch ${batch.run_id} attempt ${batch.attempt} of ${batch.database}.${batch.table}`;
      const { files, cleanup } = await localPieces(pieces);
      try {
        return await withDuckdbFile(options.path, async (conn) => {
          const step = async (sql: string, doing: string) => {
            try {
              return await conn.runAndReadAll(sql);
            } catch (err) {
              throw classifyDuckdbError(err, `${what}: ${doing}`);
            }
          };
          await step(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`, 'creating the schema');
          await step(syncBatchesDdl(schema), 'creating the bookkeeping table');
          const previous = await recorded(conn, q(SYNC_BATCHES_TABLE), batch);
          if (previous.confirmation)
            return { kind: 'recorded', confirmation: previous.confirmation };
          if (previous.lastOffset !== undefined && previous.lastOffset > offset) {
            return { kind: 'superseded', lastOffset: previous.lastOffset };
          }
          await step('BEGIN TRANSACTION', 'starting a transaction');
          try {
            const confirmation = await write(conn, step, batch, offset, files, schema);
            await step('COMMIT', 'committing');
            return { kind: 'applied', confirmation };
          } catch (err) {
            await conn.run('ROLLBACK').catch(() => {});
            throw err;
          }
        });
      } finally {
        await cleanup();
      }
    },
  };
}

type Step = (
  sql: string,
  doing: string,
) => Promise<{ getRowObjectsJson(): Record<string, unknown>[] }>;

async function write(
  conn: DuckDBConnection,
  step: Step,
  batch: DbSyncBatch,
  offset: number,
  files: StagePiece[],
  schema: string,
): Promise<DbSyncApplied> {
  const table = `${quoteIdent(schema)}.${quoteIdent(batch.table)}`;
  const what = `batch ${batch.run_id} attempt ${batch.attempt} of ${batch.database}.${batch.table}`;
  const { typed, changes } = await followSource(conn, schema, batch.table, batch.columns).catch(
    (err: unknown) => {
      throw classifyDuckdbError(err, `${what}: following the source's columns`);
    },
  );
  const invalid = (message: string, cause?: unknown) =>
    new LoaderError('LS_LOADER_DB_BATCH_INVALID', `${what}: ${message}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { run_id: batch.run_id, attempt: batch.attempt, table: batch.table },
    });
  try {
    await conn.run(stageSql(batch, files, typed));
  } catch (err) {
    throw invalid(`its records cannot be read or decoded: ${(err as Error).message}`, err);
  }
  const [staged] = (
    await step(`SELECT count(*) AS n FROM ${STAGE_TABLE}`, 'counting')
  ).getRowObjectsJson();
  const records = Number(staged?.n);
  if (records !== batch.records) {
    throw invalid(
      `the bronze objects hold ${records} of its records in its ranges; the batch says ${batch.records}`,
    );
  }
  let rowsIn = records;
  const pk = batch.primary_key;
  if (batch.write === 'reconcile') {
    const keyColumns = pk.map((name) => typed.find((t) => t.column.name === name)!);
    try {
      await conn.run(keysSql(keyColumns));
    } catch (err) {
      throw invalid(`its keys cannot be decoded: ${(err as Error).message}`, err);
    }
    const [keys] = (
      await step(`SELECT count(*) AS n FROM ${KEYS_TABLE}`, 'counting keys')
    ).getRowObjectsJson();
    rowsIn = Number(keys?.n);
  }
  if ((batch.write === 'merge' || batch.write === 'reconcile') && pk.length === 0) {
    throw invalid(`a ${batch.write} batch needs a primary key`);
  }
  const appliedAt = new Date().toISOString();
  const live = async () =>
    Number(
      (
        await step(
          `SELECT count(*) AS n FROM ${table} WHERE ${quoteIdent(DB_METADATA_COLUMNS.deletedAt)} IS NULL`,
          'counting rows',
        )
      ).getRowObjectsJson()[0]?.n,
    );
  const liveBefore = batch.write === 'reconcile' ? await live() : 0;
  const spec = { target: table, columns: typed, primaryKey: pk, runId: batch.run_id, appliedAt };
  for (const sql of writeStatements(batch.write, spec)) await step(sql, `writing (${batch.write})`);
  const rowsAfter = await live();
  const confirmation = DbSyncAppliedSchema.parse({
    version: DB_SYNC_VERSION,
    run_id: batch.run_id,
    attempt: batch.attempt,
    database: batch.database,
    table: batch.table,
    write: batch.write,
    target: 'duckdb',
    target_table: `${schema}.${batch.table}`,
    rows_in: rowsIn,
    rows_after: rowsAfter,
    rows_deleted: batch.write === 'reconcile' ? liveBefore - rowsAfter : 0,
    outcome: 'applied',
    error: null,
    schema_changes: changes,
    applied_at: appliedAt,
  } satisfies DbSyncApplied);
  await conn
    .run(
      `INSERT INTO ${quoteIdent(schema)}.${SYNC_BATCHES_TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CAST($11 AS TIMESTAMPTZ), $12)`,
      [
        batch.table,
        batch.run_id,
        batch.attempt,
        batch.mode,
        batch.write,
        offset,
        rowsIn,
        rowsAfter,
        confirmation.rows_deleted,
        batch.watermark_to,
        appliedAt,
        JSON.stringify(confirmation),
      ],
    )
    .catch((err: unknown) => {
      throw classifyDuckdbError(err, `${what}: recording it`);
    });
  await step(
    `DROP TABLE IF EXISTS ${STAGE_TABLE}; DROP TABLE IF EXISTS ${KEYS_TABLE}`,
    'cleaning up',
  );
  return confirmation;
}

/** The batch's recorded confirmation, if any, and the last announcement offset applied for its table. */
async function recorded(
  conn: DuckDBConnection,
  bookkeeping: string,
  batch: DbSyncBatch,
): Promise<{ confirmation?: DbSyncApplied; lastOffset?: number }> {
  try {
    const same = await conn.runAndReadAll(
      // A run announces a reconcile batch after its merge batch, under the same run and attempt.
      `SELECT CAST(confirmation AS VARCHAR) AS c FROM ${bookkeeping} WHERE table_name = $1 AND run_id = $2 AND attempt = $3 AND "write" = $4`,
      [batch.table, batch.run_id, batch.attempt, batch.write],
    );
    const [row] = same.getRowObjectsJson();
    if (row) return { confirmation: DbSyncAppliedSchema.parse(JSON.parse(String(row.c))) };
    const last = await conn.runAndReadAll(
      `SELECT max(announcement_offset) AS o FROM ${bookkeeping} WHERE table_name = $1`,
      [batch.table],
    );
    const o = last.getRowObjectsJson()[0]?.o;
    return o === null || o === undefined ? {} : { lastOffset: Number(o) };
  } catch (err) {
    throw classifyDuckdbError(err, `reading ${bookkeeping}`);
  }
}
