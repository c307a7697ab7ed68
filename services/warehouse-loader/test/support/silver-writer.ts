/**
 * Writes silver batches the way packages/silver says a transformer does, for tests and the bench:
 * one zstd Parquet file per table (the fact one per order month) under `tableBatchPrefix()`, with
 * the contract's columns in order and its DuckDB types, then the manifest – checked by
 * `BatchManifestSchema` – created once at `batchManifestKey()`. Writing the manifest last is what
 * publishes the batch. It shares no code with services/transformer.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '@lakestream/object-store';
import {
  type BatchManifest,
  BatchManifestSchema,
  batchId,
  batchManifestKey,
  columnNames,
  DUCKDB_TYPES,
  quoteIdent,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  type SilverFile,
  type SilverTableName,
  tableBatchPrefix,
} from '@lakestream/silver';

/** A row of a silver table, by column name (timestamps and dates as ISO strings). */
export type Row = Record<string, string | number | boolean | null>;

/** A table's rows: objects, or a DuckDB SELECT yielding the contract's columns (for bulk data). */
export type TableRows = readonly Row[] | { sql: string };

/** What to write into a batch. */
export interface SilverBatchSpec {
  sequence: number;
  tables: Partial<Record<SilverTableName, TableRows>>;
  /** Write the data files but not the manifest (an unpublished batch). */
  publish?: boolean;
  createdAt?: string;
}

/** Writes a batch's files and publishes its manifest; returns the manifest. */
export async function writeSilverBatch(
  store: ObjectStore,
  spec: SilverBatchSpec,
): Promise<BatchManifest> {
  const id = batchId(spec.sequence);
  const dir = await mkdtemp(join(tmpdir(), `silver-writer-${id}-`));
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    // The contract's record is exhaustive: a table the batch does not touch has no files.
    const tables = {} as BatchManifest['tables'];
    for (const table of SILVER_TABLE_NAMES) tables[table] = { rows: 0, files: [] };
    let factRows = 0;
    for (const table of SILVER_TABLE_NAMES) {
      const rows = spec.tables[table];
      if (rows === undefined) continue;
      const source = await sourceOf(dir, table, rows);
      const files = await writeTable(connection, store, dir, id, table, source);
      const count = files.reduce((sum, f) => sum + f.rows, 0);
      tables[table] = { rows: count, files };
      if (table === 'fct_order_items') factRows = count;
    }
    const manifest = BatchManifestSchema.parse({
      version: 1,
      batch_id: id,
      sequence: spec.sequence,
      created_at: spec.createdAt ?? new Date().toISOString(),
      inputs: [],
      tables,
      quality: {
        status: 'passed',
        records_in: factRows,
        rows_out: factRows,
        rejected: 0,
        superseded: 0,
        checks: [{ name: 'keys_unique', status: 'passed', failing_rows: 0 }],
      },
    });
    if (spec.publish ?? true) {
      await store.put(batchManifestKey(id), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), {
        contentType: 'application/json',
        ifNotExists: true,
      });
    }
    return manifest;
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A SELECT of the table's contract columns, cast to the contract's DuckDB types. */
async function sourceOf(dir: string, table: SilverTableName, rows: TableRows): Promise<string> {
  const columns = SILVER_TABLES[table].columns;
  const casts = columns
    .map((c) => `CAST(${quoteIdent(c.name)} AS ${DUCKDB_TYPES[c.type]}) AS ${quoteIdent(c.name)}`)
    .join(', ');
  if ('sql' in rows) return `SELECT ${casts} FROM (${rows.sql})`;
  const file = join(dir, `${table}.jsonl`);
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
  const spec = columns.map((c) => `${quoteIdent(c.name)}: 'VARCHAR'`).join(', ');
  // Everything is read as text and cast, so a value's JSON type cannot change the column's.
  return `SELECT ${casts} FROM read_json('${file}', format = 'newline_delimited', columns = {${spec}})`;
}

async function writeTable(
  connection: DuckDBConnection,
  store: ObjectStore,
  dir: string,
  id: string,
  table: SilverTableName,
  source: string,
): Promise<SilverFile[]> {
  const columns = columnNames(table).map(quoteIdent).join(', ');
  const staged = `staged_${table}`;
  await connection.run(`CREATE TEMP TABLE ${staged} AS SELECT ${columns} FROM (${source})`);
  const partitionBy = SILVER_TABLES[table].partitionBy;
  const groups: (string | undefined)[] = partitionBy
    ? (
        await connection.runAndReadAll(
          `SELECT DISTINCT strftime(${quoteIdent(partitionBy)}, '%Y-%m-%d') AS m FROM ${staged} ORDER BY m`,
        )
      )
        .getRowObjectsJson()
        .map((r) => String(r.m))
    : [undefined];
  const files: SilverFile[] = [];
  for (const month of groups) {
    const where = month === undefined ? '' : ` WHERE ${quoteIdent(partitionBy!)} = DATE '${month}'`;
    const local = join(dir, `${table}-${month ?? 'all'}.parquet`);
    const pk = quoteIdent(SILVER_TABLES[table].primaryKey);
    await connection.run(
      `COPY (SELECT ${columns} FROM ${staged}${where} ORDER BY ${pk}) TO '${local}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    const count = Number(
      (
        await connection.runAndReadAll(`SELECT count(*) AS n FROM ${staged}${where}`)
      ).getRowObjectsJson()[0]!.n,
    );
    const body = await readFile(local);
    const key = `${tableBatchPrefix(table, id, month)}part-00000.parquet`;
    await store.put(key, body, { contentType: 'application/vnd.apache.parquet' });
    files.push({ key, rows: count, bytes: body.length, ...(month ? { order_month: month } : {}) });
  }
  return files;
}
