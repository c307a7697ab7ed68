/**
 * Stages a database sync batch for BigQuery: DuckDB reads the batch's records from its bronze
 * objects exactly as the DuckDB writer does (db-sql.ts `stageSql`), keeps each column's encoded
 * text, deduplicates as the write needs, and writes one newline-delimited JSON file, which goes
 * to the lake for a load job. No row passes through JavaScript.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { DB_METADATA_COLUMNS, type DbSyncBatch } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { quoteIdent } from '@lakestream/silver';
import type { CoveragePiece } from './db-coverage.js';
import {
  KEYS_TABLE,
  keysSql,
  STAGE_TABLE,
  sqlString,
  stageSql,
  type TypedColumn,
} from './db-sql.js';
import { classifyDuckdbError } from './duckdb-target.js';
import { LoaderError } from './errors.js';

/** A staged batch: its NDJSON object in the lake and the rows (or reconcile keys) it holds. */
export interface StagedBatch {
  key: string;
  rows: number;
}

/**
 * The batch's columns as text: every value read as the text the sync encoded (a binary column's
 * base64 included), decoded later by BigQuery into the target type.
 */
function asText(batch: DbSyncBatch): TypedColumn[] {
  return batch.columns.map((column) => ({
    column: { ...column, kind: 'string' },
    type: 'VARCHAR',
  }));
}

/** The SELECT of what is written to the staging file, per write mode. */
function outputSql(batch: DbSyncBatch): string {
  const hash = quoteIdent(DB_METADATA_COLUMNS.rowHash);
  const pk = batch.primary_key.map(quoteIdent).join(', ');
  const rows = `SELECT * EXCLUDE (_ls_partition, _ls_offset) FROM ${STAGE_TABLE}`;
  switch (batch.write) {
    case 'replace':
      return rows;
    case 'merge':
      return `${rows} QUALIFY row_number() OVER (PARTITION BY ${pk} ORDER BY _ls_partition DESC, _ls_offset DESC) = 1`;
    case 'append':
      return `${rows} QUALIFY row_number() OVER (PARTITION BY ${hash} ORDER BY _ls_partition, _ls_offset) = 1`;
    case 'reconcile':
      return `SELECT * FROM ${KEYS_TABLE}`;
  }
}

/**
 * Reads the batch's records, checks their count against the batch, and puts the staging file at
 * `key` in the store; resolves with the rows written. Throws `LS_LOADER_DB_BATCH_INVALID` when the
 * records disagree with the batch.
 */
export async function stageBatch(
  batch: DbSyncBatch,
  pieces: readonly CoveragePiece[],
  options: { store: ObjectStore; key: string; tempDir?: string },
): Promise<StagedBatch> {
  const what = `batch ${batch.run_id} attempt ${batch.attempt} of ${batch.database}.${batch.table}`;
  const invalid = (message: string, cause?: unknown) =>
    new LoaderError('LS_LOADER_DB_BATCH_INVALID', `${what}: ${message}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { run_id: batch.run_id, attempt: batch.attempt, table: batch.table },
    });
  if ((batch.write === 'merge' || batch.write === 'reconcile') && batch.primary_key.length === 0) {
    throw invalid(`a ${batch.write} batch needs a primary key`);
  }
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'lakestream-db-bq-'));
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await instance.connect();
  try {
    const local = options.store.location.startsWith('file:');
    const paths = new Map<string, string>();
    for (const key of new Set(pieces.map((p) => p.key))) {
      if (local) {
        paths.set(key, fileURLToPath(options.store.uri(key)));
        continue;
      }
      const path = join(dir, `${String(paths.size).padStart(5, '0')}.jsonl.gz`);
      await writeFile(path, await options.store.get(key));
      paths.set(key, path);
    }
    const files = pieces.map((p) => ({ ...p, file: paths.get(p.key)! }));
    const typed = asText(batch);
    try {
      await conn.run(stageSql(batch, files, typed));
    } catch (err) {
      throw invalid(`its records cannot be read: ${(err as Error).message}`, err);
    }
    const count = async (table: string) =>
      Number(
        (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${table}`)).getRowObjectsJson()[0]?.n,
      );
    const records = await count(STAGE_TABLE);
    if (records !== batch.records) {
      throw invalid(
        `the bronze objects hold ${records} of its records in its ranges; the batch says ${batch.records}`,
      );
    }
    if (batch.write === 'reconcile') {
      const keyColumns = batch.primary_key.map(
        (name) => typed.find((t) => t.column.name === name)!,
      );
      try {
        await conn.run(keysSql(keyColumns));
      } catch (err) {
        throw invalid(`its keys cannot be read: ${(err as Error).message}`, err);
      }
    }
    const file = join(dir, 'staged.jsonl');
    await conn
      .run(`COPY (${outputSql(batch)}) TO ${sqlString(file)} (FORMAT JSON)`)
      .catch((err: unknown) => {
        throw classifyDuckdbError(err, `${what}: writing the staging file`);
      });
    const rows = Number(
      (
        await conn.runAndReadAll(`SELECT count(*) AS n FROM (${outputSql(batch)})`)
      ).getRowObjectsJson()[0]?.n,
    );
    await options.store.put(options.key, await readFile(file));
    return { key: options.key, rows };
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}
