import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '@lakestream/object-store';
import { faultPoint } from '@lakestream/observability';
import {
  columnNames,
  DUCKDB_TYPES,
  duckdbColumnsDdl,
  notEarlierSql,
  quoteIdent,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  type SilverTableName,
} from '@lakestream/silver';
import { type AppliedBatch, type PublishedBatch, rowsByTable, tablesToLoad } from './batches.js';
import { LoaderError } from './errors.js';
import { LOADS_COLUMNS, LOADS_TABLE, loadsDuckdbDdl, rowsColumn } from './loads-table.js';
import type { WarehouseTarget } from './target.js';
import { VERSIONED_TABLES } from './versioning.js';

/** Options of `createDuckdbTarget`. */
export interface DuckdbTargetOptions {
  /** The warehouse file (created when missing, with its folder). */
  path: string;
  /** The store the batches' files are in: read in place when local, downloaded first from GCS. */
  store: ObjectStore;
  /** Schema of the silver tables; default `silver`. */
  schema?: string;
  /** Parent folder of the per-batch download folders (GCS store); default the OS temp folder. */
  tempDir?: string;
}

/** The SQL that upserts one table from Parquet files (exported for the docs and tests). */
export function duckdbUpsertSql(schema: string, table: SilverTableName, files: string[]): string {
  const spec = SILVER_TABLES[table];
  const columns = columnNames(table).map(quoteIdent);
  const target = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const sets = columnNames(table)
    .filter((c) => c !== spec.primaryKey)
    .map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  // The fact keeps the later version of an item even when batches overlap: an incoming row
  // replaces the stored one only when its version is not earlier (packages/silver README).
  const guard = VERSIONED_TABLES.has(table)
    ? `\nWHERE ${notEarlierSql(
        (c) => `excluded.${quoteIdent(c)}`,
        (c) => `${quoteIdent(table)}.${quoteIdent(c)}`,
      )}`
    : '';
  return `INSERT INTO ${target} AS ${quoteIdent(table)} (${columns.join(', ')})
SELECT ${columns.join(', ')} FROM read_parquet(${sqlList(files)}, hive_partitioning = false)
ON CONFLICT (${quoteIdent(spec.primaryKey)}) DO UPDATE SET ${sets.join(', ')}${guard}`;
}

/**
 * The embedded DuckDB warehouse. The file is opened by `open` and closed by `close`, never held in
 * between: dbt and the dashboard open the same file, and DuckDB lets one process write it at a
 * time (a file locked by another process is `LS_LOADER_WAREHOUSE_UNAVAILABLE`, retried).
 *
 * A batch is one transaction: every table's upsert (`INSERT … SELECT … FROM read_parquet(…) ON
 * CONFLICT (pk) DO UPDATE`) and its `_lakestream_loads` row commit together or not at all.
 */
export function createDuckdbTarget(options: DuckdbTargetOptions): WarehouseTarget {
  const schema = options.schema ?? 'silver';
  const local = options.store.location.startsWith('file:');
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;

  const q = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;

  function conn(): DuckDBConnection {
    if (!connection) throw new Error('the DuckDB target is not open');
    return connection;
  }

  async function run(sql: string, what: string): Promise<void> {
    try {
      await conn().run(sql);
    } catch (err) {
      throw classifyDuckdbError(err, what);
    }
  }

  async function createTables(): Promise<void> {
    await run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`, 'creating the schema');
    for (const table of SILVER_TABLE_NAMES) {
      await run(
        `CREATE TABLE IF NOT EXISTS ${q(table)} (\n  ${duckdbColumnsDdl(table)}\n)`,
        `creating ${table}`,
      );
    }
    await run(
      `CREATE TABLE IF NOT EXISTS ${q(LOADS_TABLE)} (\n  ${loadsDuckdbDdl()}\n)`,
      `creating ${LOADS_TABLE}`,
    );
    const reader = await conn().runAndReadAll(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1',
      [schema],
    );
    const existing = new Map<string, Set<string>>();
    for (const row of reader.getRowObjectsJson()) {
      const table = String(row.table_name);
      if (!existing.has(table)) existing.set(table, new Set());
      existing.get(table)!.add(String(row.column_name));
    }
    const expected: [string, string[]][] = [
      ...SILVER_TABLE_NAMES.map((t): [string, string[]] => [t, columnNames(t)]),
      [LOADS_TABLE, LOADS_COLUMNS.map((c) => c.name)],
    ];
    for (const [table, columns] of expected) {
      const missing = columns.filter((c) => !existing.get(table)?.has(c));
      if (missing.length > 0) {
        throw new LoaderError(
          'LS_LOADER_SCHEMA_MISMATCH',
          `${options.path}: ${schema}.${table} lacks the contract's column(s) ${missing.join(', ')}; it was created by an older contract: migrate or rebuild it`,
          { details: { table, missing } },
        );
      }
    }
  }

  /** Local paths of the batch's files per table, and what to remove afterwards. */
  async function filesOf(
    batch: PublishedBatch,
  ): Promise<{ files: Map<SilverTableName, string[]>; cleanup: () => Promise<void> }> {
    const tables = tablesToLoad(batch.manifest);
    if (local) {
      const files = new Map(
        tables.map((t) => [t.table, t.keys.map((k) => fileURLToPath(options.store.uri(k)))]),
      );
      return { files, cleanup: async () => {} };
    }
    // DuckDB reads gs:// only through the httpfs extension, which would be downloaded at run
    // time; the batch's files are fetched through the object store instead.
    const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), `lakestream-batch-${batch.id}-`));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const files = new Map<SilverTableName, string[]>();
      let n = 0;
      for (const t of tables) {
        const paths: string[] = [];
        for (const key of t.keys) {
          const path = join(dir, `${String(n++).padStart(5, '0')}.parquet`);
          await writeFile(path, await options.store.get(key));
          paths.push(path);
        }
        files.set(t.table, paths);
      }
      return { files, cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  /** Counts the rows and distinct keys of a table's files: they must match the manifest. */
  async function checkFiles(
    batch: PublishedBatch,
    table: SilverTableName,
    expectedRows: number,
    files: string[],
  ): Promise<void> {
    const pk = quoteIdent(SILVER_TABLES[table].primaryKey);
    let rows: number;
    let keys: number;
    try {
      const reader = await conn().runAndReadAll(
        `SELECT count(*) AS n, count(DISTINCT ${pk}) AS k FROM read_parquet(${sqlList(files)}, hive_partitioning = false)`,
      );
      const [row] = reader.getRowObjectsJson();
      rows = Number(row?.n);
      keys = Number(row?.k);
    } catch (err) {
      throw new LoaderError(
        'LS_LOADER_BATCH_INVALID',
        `batch ${batch.id}: the ${table} files cannot be read: ${(err as Error).message}`,
        { cause: err, details: { batch: batch.id, table } },
      );
    }
    if (rows !== expectedRows || keys !== rows) {
      throw new LoaderError(
        'LS_LOADER_BATCH_INVALID',
        `batch ${batch.id}: the ${table} files hold ${rows} rows with ${keys} distinct ${SILVER_TABLES[table].primaryKey} values; the manifest says ${expectedRows} rows, each key once`,
        { details: { batch: batch.id, table, rows, keys, expectedRows } },
      );
    }
  }

  return {
    kind: 'duckdb',
    description: `duckdb ${options.path} (schema ${schema})`,

    async open() {
      if (instance) return;
      mkdirSync(dirname(options.path), { recursive: true });
      try {
        // Extensions are statically linked (parquet, json, icu); nothing may be fetched at run time.
        instance = await DuckDBInstance.create(options.path, {
          autoinstall_known_extensions: 'false',
          autoload_known_extensions: 'false',
        });
        connection = await instance.connect();
      } catch (err) {
        instance?.closeSync();
        instance = undefined;
        throw classifyDuckdbError(err, `opening ${options.path}`);
      }
      try {
        // TIMESTAMP columns hold UTC instants; a TIMESTAMPTZ read from a file converts in UTC.
        await run("SET TimeZone = 'UTC'", 'setting the time zone');
        await createTables();
      } catch (err) {
        await this.close();
        throw err;
      }
    },

    async applied() {
      const reader = await conn().runAndReadAll(
        `SELECT batch_id, sequence, manifest_sha256 FROM ${q(LOADS_TABLE)}`,
      );
      return new Map(
        reader.getRowObjectsJson().map((row): [string, AppliedBatch] => [
          String(row.batch_id),
          {
            id: String(row.batch_id),
            sequence: Number(row.sequence),
            sha256: String(row.manifest_sha256),
          },
        ]),
      );
    },

    async apply(batch) {
      const { files, cleanup } = await filesOf(batch);
      try {
        await run('BEGIN TRANSACTION', 'starting a transaction');
        try {
          for (const { table, rows } of tablesToLoad(batch.manifest)) {
            const paths = files.get(table)!;
            await checkFiles(batch, table, rows, paths);
            await run(
              duckdbUpsertSql(schema, table, paths),
              `upserting ${table} of batch ${batch.id}`,
            );
          }
          await recordLoad(batch);
          // The fault suite's crash point: everything applied and recorded, nothing committed.
          faultPoint('warehouse-loader.after-merge');
          await run('COMMIT', `committing batch ${batch.id}`);
        } catch (err) {
          await conn()
            .run('ROLLBACK')
            .catch(() => {});
          throw err;
        }
      } finally {
        await cleanup();
      }
    },

    async close() {
      connection?.closeSync();
      connection = undefined;
      instance?.closeSync();
      instance = undefined;
    },
  };

  async function recordLoad(batch: PublishedBatch): Promise<void> {
    const rows = rowsByTable(batch.manifest);
    const values: Record<string, string | number> = {
      batch_id: batch.id,
      sequence: batch.sequence,
      manifest_key: batch.key,
      manifest_sha256: batch.sha256,
      batch_created_at: utcTimestamp(batch.manifest.created_at),
      ...Object.fromEntries(SILVER_TABLE_NAMES.map((t) => [rowsColumn(t), rows[t]])),
      loaded_at: utcTimestamp(new Date().toISOString()),
    };
    const names = LOADS_COLUMNS.map((c) => c.name);
    const placeholders = LOADS_COLUMNS.map((c, i) => `CAST($${i + 1} AS ${DUCKDB_TYPES[c.type]})`);
    try {
      await conn().run(
        `INSERT INTO ${q(LOADS_TABLE)} (${names.map(quoteIdent).join(', ')}) VALUES (${placeholders.join(', ')})`,
        names.map((n) => String(values[n])),
      );
    } catch (err) {
      throw classifyDuckdbError(err, `recording batch ${batch.id}`);
    }
  }
}

/** `2024-01-31 22:56:00.123` (UTC) from any ISO-8601 instant: the form DuckDB's TIMESTAMP reads. */
function utcTimestamp(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').replace('Z', '');
}

/** A DuckDB list literal of file paths: `['/a.parquet', '/b.parquet']`. */
function sqlList(files: readonly string[]): string {
  return `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
}

/**
 * DuckDB's errors are plain `Error`s with a category prefix (`IO Error: Could not set lock on
 * file …`). A lock held by another process (dbt, the dashboard) and I/O hiccups are retryable;
 * everything else is a failed statement.
 */
export function classifyDuckdbError(err: unknown, what: string): LoaderError {
  if (err instanceof LoaderError) return err;
  const message = (err as Error)?.message ?? String(err);
  const busy =
    /Could not set lock on file|Conflicting lock is held|database is locked|Resource temporarily unavailable/i.test(
      message,
    );
  if (busy) {
    return new LoaderError(
      'LS_LOADER_WAREHOUSE_UNAVAILABLE',
      `${what}: the DuckDB file is in use by another process (${message.split('\n')[0]})`,
      { cause: err, retryable: true },
    );
  }
  return new LoaderError('LS_LOADER_WAREHOUSE_FAILED', `${what}: ${message}`, { cause: err });
}
