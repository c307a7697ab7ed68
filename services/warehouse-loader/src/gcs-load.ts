/**
 * `warehouse-loader gcs-load URI_PREFIX SCHEMA.TABLE`: replaces a warehouse table with every
 * JSON-lines object under a prefix (the pod-inventory case: other jobs drop JSON files into a
 * folder), columns detected from the data. Idempotent: the table is replaced as a whole, so a
 * second run over the same objects gives the same table. DuckDB reads every row to detect the
 * columns (`read_json`, all files by name); BigQuery runs one load job (autodetect,
 * WRITE_TRUNCATE) whose id is derived from the prefix, the table and the objects' names and
 * generations, so a repeated run over unchanged objects finds that job instead of loading again –
 * as long as the table is still there: a table dropped since (or, where BigQuery reports row counts,
 * holding another number of rows) is loaded again, by the next attempt's id.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { BigQuery, JobMetadata } from '@google-cloud/bigquery';
import type { ObjectInfo, ObjectStore } from '@lakestream/object-store';
import { quoteIdent } from '@lakestream/silver';
import { classifyBigqueryError, isNotFound } from './bigquery-errors.js';
import { type BigquerySession, createBigquerySession } from './bigquery-session.js';
import { bqTable } from './db-bigquery-sql.js';
import { sqlString } from './db-sql.js';
import { withDuckdbFile } from './duckdb-file.js';
import { classifyDuckdbError } from './duckdb-target.js';
import { LoaderError } from './errors.js';
import { type BigqueryField, detectBigqueryFields } from './gcs-load-schema.js';
import { listGcsLoadSource } from './gcs-load-source.js';

/** What a load did. */
export interface GcsLoadResult {
  rows: number;
  objects: number;
  /** `schema.table` (DuckDB) or `project.dataset.table` (BigQuery). */
  table: string;
}

/** Options of `gcsLoad`. */
export interface GcsLoadOptions {
  prefix: string;
  schema: string;
  table: string;
  /** The lake (a prefix without a scheme is a key prefix in it). */
  lake: ObjectStore;
  storageEmulatorHost?: string;
  tempDir?: string;
  target:
    | { kind: 'duckdb'; path: string }
    | {
        kind: 'bigquery';
        projectId?: string;
        location?: string;
        emulatorHost?: string;
        client?: BigQuery;
      };
}

/** Loads the prefix into the table; throws a `LoaderError` naming the object that cannot be read. */
export async function gcsLoad(options: GcsLoadOptions): Promise<GcsLoadResult> {
  const source = await listGcsLoadSource(options.prefix, options.lake, {
    ...(options.storageEmulatorHost === undefined
      ? {}
      : { storageEmulatorHost: options.storageEmulatorHost }),
  });
  const { target } = options;
  if (target.kind === 'duckdb') return loadDuckdb(options, target.path, source);
  return loadBigquery(options, target, source);
}

/** The objects as local files (in place when local, downloaded into `dir` from GCS). */
async function localCopies(
  store: ObjectStore,
  objects: readonly ObjectInfo[],
  dir: string,
): Promise<{ file: string; uri: string }[]> {
  const local = store.location.startsWith('file:');
  const files: { file: string; uri: string }[] = [];
  for (const [i, object] of objects.entries()) {
    const uri = store.uri(object.key);
    if (local) {
      files.push({ file: fileURLToPath(uri), uri });
      continue;
    }
    // The extension tells DuckDB whether the object is gzip.
    const file = join(dir, `${String(i).padStart(6, '0')}-${basename(object.key)}`);
    await writeFile(file, await store.get(object.key));
    files.push({ file, uri });
  }
  return files;
}

/** Every row of the files, columns detected from all of them, matched by name. */
function readJsonSql(files: readonly string[]): string {
  return `read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', union_by_name = true, sample_size = -1)`;
}

/** Runs `fn` with a scratch folder, removed after. */
async function withScratch<T>(
  options: GcsLoadOptions,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'lakestream-gcs-load-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function loadDuckdb(
  options: GcsLoadOptions,
  path: string,
  { store, objects }: { store: ObjectStore; objects: ObjectInfo[] },
): Promise<GcsLoadResult> {
  return withScratch(options, async (dir) => {
    const files = await localCopies(store, objects, dir);
    const table = `${options.schema}.${options.table}`;
    const target = `${quoteIdent(options.schema)}.${quoteIdent(options.table)}`;
    return withDuckdbFile(path, async (conn) => {
      await conn
        .run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`)
        .catch((err: unknown) => {
          throw classifyDuckdbError(err, `creating schema ${options.schema}`);
        });
      await conn.run('BEGIN TRANSACTION');
      try {
        await conn.run(
          `CREATE OR REPLACE TABLE ${target} AS SELECT * FROM ${readJsonSql(files.map((f) => f.file))}`,
        );
        const [row] = (
          await conn.runAndReadAll(`SELECT count(*) AS n FROM ${target}`)
        ).getRowObjectsJson();
        await conn.run('COMMIT');
        return { rows: Number(row?.n), objects: objects.length, table };
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => {});
        throw await explain(conn, err, files, `loading ${table}`, options.prefix);
      }
    });
  });
}

/** The error of a failed read, naming the object that cannot be read on its own, if one. */
async function explain(
  conn: DuckDBConnection,
  err: unknown,
  files: readonly { file: string; uri: string }[],
  what: string,
  prefix: string,
): Promise<LoaderError> {
  const busy = classifyDuckdbError(err, what);
  if (busy.retryable) return busy;
  for (const { file, uri } of files) {
    try {
      await conn.run(`SELECT count(*) FROM ${readJsonSql([file])}`);
    } catch (fileErr) {
      return new LoaderError(
        'LS_LOADER_GCS_LOAD_INVALID',
        `${uri} is not JSON lines: ${(fileErr as Error).message.split('\n')[0]}`,
        { cause: fileErr, details: { object: uri } },
      );
    }
  }
  return new LoaderError(
    'LS_LOADER_GCS_LOAD_INVALID',
    `the objects under ${prefix} do not load together (${what}): ${(err as Error).message.split('\n')[0]}`,
    { cause: err },
  );
}

/** The emulator's stand-in for autodetect: the columns DuckDB detects in the objects. */
async function emulatorSchema(
  options: GcsLoadOptions,
  store: ObjectStore,
  objects: readonly ObjectInfo[],
): Promise<BigqueryField[]> {
  return withScratch(options, async (dir) => {
    const files = await localCopies(store, objects, dir);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      return await detectBigqueryFields(conn, readJsonSql(files.map((f) => f.file))).catch(
        async (err: unknown) => {
          throw await explain(conn, err, files, 'detecting the columns', options.prefix);
        },
      );
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
}

/** The load job's id: the prefix, the table and exactly which objects (names and generations). */
export function gcsLoadJobId(
  prefix: string,
  dataset: string,
  table: string,
  objects: readonly ObjectInfo[],
): string {
  const hash = createHash('sha256').update(`${prefix}\n${dataset}.${table}\n`);
  for (const o of objects) hash.update(`${o.key}#${o.generation ?? ''}\n`);
  return `lakestream_gcs_load_${dataset}_${table}_${hash.digest('hex').slice(0, 32)}`;
}

/** What the destination table holds at the start of a load. */
interface DestinationState {
  /** Absent while BigQuery does not report it (the emulator never does). */
  numRows?: number;
}

/** The destination table now, or undefined when it does not exist. */
async function destinationState(
  session: BigquerySession,
  dataset: string,
  table: string,
): Promise<DestinationState | undefined> {
  try {
    const [meta] = await session.bq.dataset(dataset, session.location).table(table).getMetadata();
    return meta.numRows === undefined ? {} : { numRows: Number(meta.numRows) };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw classifyBigqueryError(err, `looking up ${dataset}.${table}`, session.emulator);
  }
}

/**
 * Whether the table may still hold what a finished load job wrote: it exists, and where both
 * counts are known it has as many rows as the job wrote. A table dropped since (or truncated
 * to another size) is loaded again.
 */
function tableHoldsLoad(
  table: DestinationState | undefined,
  job: Pick<JobMetadata, 'statistics'>,
): boolean {
  if (table === undefined) return false;
  const written = job.statistics?.load?.outputRows;
  if (written === undefined || table.numRows === undefined) return true;
  return table.numRows === Number(written);
}

async function loadBigquery(
  options: GcsLoadOptions,
  target: Extract<GcsLoadOptions['target'], { kind: 'bigquery' }>,
  { store, objects }: { store: ObjectStore; objects: ObjectInfo[] },
): Promise<GcsLoadResult> {
  const session = createBigquerySession({ ...target, store }, 'the objects of the prefix');
  const { bq, emulator } = session;
  const project =
    target.projectId ?? (await session.call('finding the project', () => bq.getProjectId()));
  const what = `loading ${options.prefix} into ${options.schema}.${options.table}`;
  await session.ensureDataset(options.schema);
  const destination = await destinationState(session, options.schema, options.table);
  await session.jobs.run(
    gcsLoadJobId(options.prefix, options.schema, options.table, objects),
    {
      load: {
        sourceUris: objects.map((o) => store.uri(o.key)),
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        autodetect: !emulator,
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
        destinationTable: { projectId: project, datasetId: options.schema, tableId: options.table },
        ...(emulator ? { schema: { fields: await emulatorSchema(options, store, objects) } } : {}),
      },
    },
    what,
    { stillHolds: (job) => tableHoldsLoad(destination, job.metadata ?? {}) },
  );
  const [row] = await session.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM ${bqTable(project, options.schema, options.table)}`,
    `counting ${options.schema}.${options.table}`,
  );
  return {
    rows: Number(row?.n),
    objects: objects.length,
    table: `${project}.${options.schema}.${options.table}`,
  };
}
