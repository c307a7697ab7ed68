import { createHash } from 'node:crypto';
import { BigQuery, type Job, type JobOptions } from '@google-cloud/bigquery';
import type { ObjectStore } from '@lakestream/object-store';
import { faultPoint } from '@lakestream/observability';
import {
  BIGQUERY_TYPES,
  bigquerySchema,
  columnNames,
  notEarlierSql,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  type SilverTableName,
} from '@lakestream/silver';
import { type AppliedBatch, type PublishedBatch, rowsByTable, tablesToLoad } from './batches.js';
import { LoaderError } from './errors.js';
import { LOADS_COLUMNS, LOADS_TABLE, loadsBigquerySchema, rowsColumn } from './loads-table.js';
import type { WarehouseTarget } from './target.js';
import { VERSIONED_TABLES } from './versioning.js';

/** Options of `createBigqueryTarget`. */
export interface BigqueryTargetOptions {
  /** The store holding the batches: must be GCS, the load jobs read its `gs://` URIs. */
  store: ObjectStore;
  /** Project of the dataset and jobs; default the credentials' project (required with an emulator). */
  projectId?: string;
  /** Dataset of the silver tables (created when missing). */
  dataset: string;
  /** Location of a new dataset and of the jobs. */
  location?: string;
  /**
   * goccy/bigquery-emulator to talk to. Also switches on the emulator workarounds (and nothing
   * else does): an explicit staging schema for Parquet loads, its `400 … already created` read as
   * the `409` of a job id in use, and its `jobInternalError` treated as final.
   */
  emulatorHost?: string;
  /** A client to use instead of building one (tests). */
  client?: BigQuery;
}

type JobConfiguration = NonNullable<JobOptions['configuration']>;

/** Most job ids tried per (batch, table, step): `<id>`, `<id>_2`, … after failed attempts. */
const MAX_JOB_ATTEMPTS = 20;

/** The staging table of a table's rows in a batch. */
export function stagingTableName(table: SilverTableName, batchId: string): string {
  return `_stg_${table}_${batchId}`;
}

/** `project.dataset.table` in backticks. */
function tableRef(project: string, dataset: string, table: string): string {
  return `\`${project}.${dataset}.${table}\``;
}

const ident = (name: string) => `\`${name}\``;

/**
 * The MERGE of a staging table into a target table on the primary key. Every staging column is
 * cast to the contract's type: a Parquet load without an explicit schema types a TIMESTAMP
 * written without a UTC flag (DuckDB's TIMESTAMP) as DATETIME, which CAST reads as UTC. The
 * source is the staging table itself, not a subquery (the emulator accepts only a table there,
 * and BigQuery is as happy with either). The fact keeps a stored row whose version is later
 * (greater kafka_timestamp, kafka_partition, kafka_offset; packages/silver README).
 */
export function bigqueryMergeSql(
  project: string,
  dataset: string,
  table: SilverTableName,
  staging: string,
): string {
  const spec = SILVER_TABLES[table];
  const typeOf = new Map(spec.columns.map((c) => [c.name, BIGQUERY_TYPES[c.type]]));
  const source = (c: string) => `CAST(S.${ident(c)} AS ${typeOf.get(c)})`;
  const columns = columnNames(table);
  // BigQuery cannot order STRUCTs: the later-version rule is spelled out column by column.
  const matched = VERSIONED_TABLES.has(table)
    ? `WHEN MATCHED AND ${notEarlierSql(source, (c) => `T.${ident(c)}`)}`
    : 'WHEN MATCHED';
  const sets = columns
    .filter((c) => c !== spec.primaryKey)
    .map((c) => `${ident(c)} = ${source(c)}`)
    .join(', ');
  return `MERGE ${tableRef(project, dataset, table)} AS T
USING ${tableRef(project, dataset, staging)} AS S
ON T.${ident(spec.primaryKey)} = ${source(spec.primaryKey)}
${matched} THEN UPDATE SET ${sets}
WHEN NOT MATCHED THEN INSERT (${columns.map(ident).join(', ')}) VALUES (${columns.map(source).join(', ')})`;
}

/** A GoogleSQL string literal. */
function stringLiteral(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
}

interface ApiErrorLike {
  code?: number | string;
  message?: string;
  errors?: { reason?: string; message?: string }[];
  response?: { jobReference?: { jobId?: string } };
}

const RETRYABLE_REASONS = new Set([
  'backendError',
  'internalError',
  'jobBackendError',
  'jobInternalError',
  'rateLimitExceeded',
  'jobRateLimitExceeded',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

/**
 * BigQuery's own "retry" advice: 429/5xx, and the `backendError`/`internalError`/`rateLimitExceeded`
 * reasons (a failed job reports them with HTTP 400 or 200), plus network failures. The emulator
 * reports every failed job as `jobInternalError`, an analysis error included, so there that
 * reason is final.
 */
export function classifyBigqueryError(err: unknown, what: string, emulator: boolean): LoaderError {
  if (err instanceof LoaderError) return err;
  const e = (err ?? {}) as ApiErrorLike;
  const status = typeof e.code === 'number' ? e.code : undefined;
  const reasons = (e.errors ?? []).map((x) => x.reason ?? '');
  const retryable =
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    /fetch failed|socket hang up|ECONNREFUSED|ECONNRESET/.test(e.message ?? '') ||
    reasons.some((r) => RETRYABLE_REASONS.has(r) && !(emulator && r === 'jobInternalError'));
  return new LoaderError(
    retryable ? 'LS_LOADER_WAREHOUSE_UNAVAILABLE' : 'LS_LOADER_WAREHOUSE_FAILED',
    `${what}: ${e.message ?? e.errors?.[0]?.message ?? (reasons.join(', ') || String(err))}`,
    { cause: err, retryable, details: { status, reasons } },
  );
}

function isNotFound(err: unknown): boolean {
  return (err as ApiErrorLike)?.code === 404;
}

/**
 * BigQuery as the warehouse. Per batch and table (dimensions first): a load job of the batch's
 * `gs://` Parquet files into a staging table `_stg_<table>_<batch>` (WRITE_TRUNCATE) → `MERGE`
 * into the target on the primary key → drop the staging table; then the batch's row goes into
 * `_lakestream_loads`.
 *
 * Each job has an id derived from (dataset, target table incarnation, batch manifest, table,
 * step), so a run retried after a crash finds the jobs the previous one started instead of
 * starting them again: a load or MERGE that succeeded is not repeated, one still running is
 * waited for, one that failed is followed by `<id>_2`, `<id>_3`, …. Every step is also idempotent
 * on its own (the MERGE of a batch over itself changes nothing; the loads row is inserted only
 * when missing), so even a lost job id cannot apply a batch twice.
 */
export function createBigqueryTarget(options: BigqueryTargetOptions): WarehouseTarget {
  const emulator = options.emulatorHost !== undefined;
  if (!options.store.location.startsWith('gs://')) {
    throw new LoaderError(
      'LS_LOADER_CONFIG_INVALID',
      `the bigquery target loads Parquet files from gs:// URIs, but the store is ${options.store.location}: set WAREHOUSE_LOADER_STORAGE_URL to the gs:// lake`,
    );
  }
  if (emulator && !options.projectId) {
    throw new LoaderError(
      'LS_LOADER_CONFIG_INVALID',
      'a BigQuery emulator needs a project id: set BIGQUERY_PROJECT',
    );
  }
  // An emulator client has no credentials; without this, google-auth-library would probe the
  // GCE metadata server (a non-loopback address) before every first request.
  if (emulator) process.env.METADATA_SERVER_DETECTION ??= 'none';
  const bq =
    options.client ??
    new BigQuery({
      ...(options.projectId ? { projectId: options.projectId } : {}),
      ...(options.location ? { location: options.location } : {}),
      ...(emulator ? { apiEndpoint: options.emulatorHost } : {}),
      // One retry policy, the loader's: every step below is safe to repeat.
      retryOptions: { autoRetry: false },
    });
  const datasetId = options.dataset;
  const dataset = bq.dataset(datasetId, options.location ? { location: options.location } : {});
  let project = options.projectId ?? '';
  /** Creation time of each table this run found or made: part of the job ids (see above). */
  const incarnation = new Map<string, string>();
  /** Jobs seen failing in this process: the emulator later reports them as DONE without error. */
  const failedJobs = new Set<string>();

  const location = options.location ? { location: options.location } : {};

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyBigqueryError(err, what, emulator);
    }
  }

  async function ensureDataset(): Promise<void> {
    const [exists] = await call(`looking up dataset ${datasetId}`, () => dataset.exists());
    if (exists) return;
    try {
      await dataset.create(location);
    } catch (err) {
      if ((err as ApiErrorLike).code !== 409)
        throw classifyBigqueryError(err, `creating dataset ${datasetId}`, emulator);
    }
  }

  async function ensureTable(
    name: string,
    fields: { name: string; type: string; mode: string; description: string }[],
    extra: Record<string, unknown>,
    description: string,
  ): Promise<void> {
    const table = dataset.table(name);
    let metadata: { schema?: { fields?: { name: string }[] }; creationTime?: string };
    try {
      [metadata] = await table.getMetadata();
    } catch (err) {
      if (!isNotFound(err)) throw classifyBigqueryError(err, `reading table ${name}`, emulator);
      try {
        const [created] = await dataset.createTable(name, {
          schema: { fields },
          description,
          ...extra,
        });
        metadata = created.metadata;
      } catch (createErr) {
        if ((createErr as ApiErrorLike).code !== 409)
          throw classifyBigqueryError(createErr, `creating table ${name}`, emulator);
        [metadata] = await call(`reading table ${name}`, () => table.getMetadata());
      }
    }
    const have = new Set((metadata.schema?.fields ?? []).map((f) => f.name));
    const missing = fields.map((f) => f.name).filter((f) => !have.has(f));
    if (missing.length > 0) {
      throw new LoaderError(
        'LS_LOADER_SCHEMA_MISMATCH',
        `${project}.${datasetId}.${name} lacks the contract's column(s) ${missing.join(', ')}; it was created by an older contract: migrate or rebuild it`,
        { details: { table: name, missing } },
      );
    }
    incarnation.set(name, String(metadata.creationTime ?? ''));
  }

  /** The deterministic id of one step of a batch. */
  function jobIdOf(batch: PublishedBatch, table: string, step: string): string {
    const salt = createHash('sha256')
      .update(`${project}\n${datasetId}\n${table}\n${incarnation.get(table)}\n${batch.sha256}`)
      .digest('hex')
      .slice(0, 16);
    return `lakestream_${datasetId}_${batch.id}_${table}_${step}_${salt}`.slice(0, 1000);
  }

  async function getJob(jobId: string): Promise<Job | undefined> {
    try {
      const [job] = await bq.job(jobId, location).get();
      return job;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyBigqueryError(err, `looking up job ${jobId}`, emulator);
    }
  }

  /**
   * Waits for a job; resolves to its error when it failed. A failure to poll it (the job may
   * still be running) rejects instead, so that no second attempt starts beside it.
   */
  async function outcomeOf(job: Job): Promise<unknown> {
    const done = () => job.metadata?.status?.state === 'DONE';
    if (!done()) {
      try {
        await job.promise();
      } catch (err) {
        if (!job.metadata?.status?.errorResult)
          throw classifyBigqueryError(err, `waiting for job ${job.id}`, emulator);
      }
    }
    const errorResult = job.metadata?.status?.errorResult;
    return errorResult
      ? Object.assign(new Error(errorResult.message), { errors: [errorResult] })
      : undefined;
  }

  /**
   * Whether some attempt of the step already succeeded; if not, the number of the first attempt
   * whose id is free (attempts take ids in order, so past it there is none).
   */
  async function succeeded(base: string): Promise<{ done: true } | { done: false; free: number }> {
    for (let n = 1; n <= MAX_JOB_ATTEMPTS; n++) {
      const jobId = n === 1 ? base : `${base}_${n}`;
      if (failedJobs.has(jobId)) continue;
      const job = await getJob(jobId);
      if (!job) return { done: false, free: n };
      if ((await outcomeOf(job)) === undefined) return { done: true };
      failedJobs.add(jobId);
    }
    return { done: false, free: MAX_JOB_ATTEMPTS + 1 };
  }

  /**
   * Runs the step's job once: finds an attempt that succeeded or is still running, else creates
   * the next attempt. With `fresh`, an earlier success does not count (its output is gone);
   * `free` is an attempt number known to be unused (no need to look it up).
   */
  async function runJob(
    base: string,
    configuration: JobConfiguration,
    what: string,
    options: { fresh?: boolean; free?: number } = {},
  ): Promise<'found' | 'created'> {
    let conflicts = 0;
    for (let n = 1; n <= MAX_JOB_ATTEMPTS; n++) {
      const jobId = n === 1 ? base : `${base}_${n}`;
      if (failedJobs.has(jobId)) continue;
      const existing = n === options.free && conflicts === 0 ? undefined : await getJob(jobId);
      if (existing) {
        if (options.fresh) continue;
        const failure = await outcomeOf(existing);
        if (failure === undefined) return 'found';
        failedJobs.add(jobId);
        continue;
      }
      let job: Job;
      try {
        [job] = await bq.createJob({ jobId, configuration, ...location });
      } catch (err) {
        if (isJobIdTaken(err) && conflicts++ < 3) {
          n--; // Created meanwhile (a retried insert, another run): look at it again.
          continue;
        }
        // A job created and failed at once comes back as an error naming the job.
        if ((err as ApiErrorLike).response?.jobReference?.jobId === jobId) failedJobs.add(jobId);
        throw classifyBigqueryError(err, `${what} (job ${jobId})`, emulator);
      }
      const failure = await outcomeOf(job);
      if (failure === undefined) return 'created';
      failedJobs.add(jobId);
      throw classifyBigqueryError(failure, `${what} (job ${jobId})`, emulator);
    }
    throw new LoaderError(
      'LS_LOADER_WAREHOUSE_FAILED',
      `${what}: ${MAX_JOB_ATTEMPTS} attempts (jobs ${base}…) failed`,
    );
  }

  /** 409 is BigQuery's answer to a job id in use; the emulator answers 400 "… is already created". */
  function isJobIdTaken(err: unknown): boolean {
    const e = err as ApiErrorLike;
    if (e?.code === 409) return true;
    return emulator && e?.code === 400 && /is already created/.test(e.message ?? '');
  }

  async function query<T>(sql: string, what: string): Promise<T[]> {
    const [rows] = await call(what, () => bq.query({ query: sql, ...location }));
    return rows as T[];
  }

  async function dropTable(name: string): Promise<void> {
    try {
      await dataset.table(name).delete();
    } catch (err) {
      if (!isNotFound(err)) throw classifyBigqueryError(err, `dropping ${name}`, emulator);
    }
  }

  function loadConfiguration(
    table: SilverTableName,
    staging: string,
    keys: string[],
  ): JobConfiguration {
    return {
      load: {
        sourceUris: keys.map((k) => options.store.uri(k)),
        sourceFormat: 'PARQUET',
        destinationTable: { projectId: project, datasetId, tableId: staging },
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
        // BigQuery reads the schema from the Parquet files. The emulator fails a Parquet load
        // without an explicit schema (nil pointer), so there, and only there, it gets the contract's.
        ...(emulator ? { schema: { fields: bigquerySchema(table) } } : {}),
      },
    };
  }

  /** Checks the staging table against the manifest; false when it does not exist. */
  async function checkStaging(
    batch: PublishedBatch,
    table: SilverTableName,
    staging: string,
    expectedRows: number,
  ): Promise<boolean> {
    const pk = ident(SILVER_TABLES[table].primaryKey);
    let rows: number;
    let keys: number;
    try {
      const [row] = await query<{ n: number; k: number }>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT ${pk}) AS k FROM ${tableRef(project, datasetId, staging)}`,
        `checking ${staging}`,
      );
      rows = Number(row?.n);
      keys = Number(row?.k);
    } catch (err) {
      if (/not found/i.test((err as Error).message)) return false;
      throw err;
    }
    if (rows !== expectedRows || keys !== rows) {
      throw new LoaderError(
        'LS_LOADER_BATCH_INVALID',
        `batch ${batch.id}: the ${table} files hold ${rows} rows with ${keys} distinct ${SILVER_TABLES[table].primaryKey} values; the manifest says ${expectedRows} rows, each key once`,
        { details: { batch: batch.id, table, rows, keys, expectedRows } },
      );
    }
    return true;
  }

  async function applyTable(
    batch: PublishedBatch,
    table: SilverTableName,
    rows: number,
    keys: string[],
  ): Promise<void> {
    const staging = stagingTableName(table, batch.id);
    const mergeId = jobIdOf(batch, table, 'merge');
    const merged = await succeeded(mergeId);
    if (!merged.done) {
      const loadId = jobIdOf(batch, table, 'load');
      const load = loadConfiguration(table, staging, keys);
      const what = `loading ${table} of batch ${batch.id} into ${staging}`;
      await runJob(loadId, load, what);
      if (!(await checkStaging(batch, table, staging, rows))) {
        // The load had succeeded, but its staging table is gone (dropped before the MERGE).
        await runJob(loadId, load, what, { fresh: true });
        await checkStaging(batch, table, staging, rows);
      }
      await runJob(
        mergeId,
        {
          query: {
            query: bigqueryMergeSql(project, datasetId, table, staging),
            useLegacySql: false,
          },
        },
        `merging ${staging} into ${table}`,
        { free: merged.free },
      );
    }
    await dropTable(staging);
  }

  function recordSql(batch: PublishedBatch): string {
    const rows = rowsByTable(batch.manifest);
    const values: Record<string, string> = {
      batch_id: stringLiteral(batch.id),
      sequence: String(batch.sequence),
      manifest_key: stringLiteral(batch.key),
      manifest_sha256: stringLiteral(batch.sha256),
      batch_created_at: `CAST(${stringLiteral(new Date(batch.manifest.created_at).toISOString().replace('T', ' ').replace('Z', '+00'))} AS TIMESTAMP)`,
      ...Object.fromEntries(SILVER_TABLE_NAMES.map((t) => [rowsColumn(t), String(rows[t])])),
      loaded_at: 'CURRENT_TIMESTAMP()',
    };
    const loads = tableRef(project, datasetId, LOADS_TABLE);
    const names = LOADS_COLUMNS.map((c) => c.name);
    return `INSERT INTO ${loads} (${names.map(ident).join(', ')})
SELECT ${names.map((n) => values[n]).join(', ')} FROM UNNEST([1])
WHERE NOT EXISTS (SELECT 1 FROM ${loads} WHERE batch_id = ${stringLiteral(batch.id)})`;
  }

  async function isRecorded(batch: PublishedBatch): Promise<boolean> {
    const [row] = await query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${tableRef(project, datasetId, LOADS_TABLE)} WHERE batch_id = ${stringLiteral(batch.id)}`,
      `checking the record of batch ${batch.id}`,
    );
    return Number(row?.n) > 0;
  }

  let opened = false;
  return {
    kind: 'bigquery',
    get description() {
      return `bigquery ${project || '(default project)'}.${datasetId}`;
    },

    async open() {
      if (opened) return;
      if (!project) project = await call('finding the project', () => bq.getProjectId());
      await ensureDataset();
      for (const table of SILVER_TABLE_NAMES) {
        const spec = SILVER_TABLES[table];
        const extra =
          spec.kind === 'fact'
            ? {
                // MONTH on the DATE column order_month (the silver partition), accepted by
                // BigQuery and the emulator alike; a filter on order_month prunes partitions.
                timePartitioning: { type: 'MONTH', field: spec.partitionBy },
                clustering: { fields: [...(spec.clusterBy ?? [])] },
              }
            : {};
        await ensureTable(table, bigquerySchema(table), extra, spec.description);
      }
      await ensureTable(
        LOADS_TABLE,
        loadsBigquerySchema(),
        {},
        'Silver batches applied by the warehouse loader, one row each.',
      );
      opened = true;
    },

    async applied() {
      const rows = await query<{ batch_id: string; sequence: number; manifest_sha256: string }>(
        `SELECT batch_id, sequence, manifest_sha256 FROM ${tableRef(project, datasetId, LOADS_TABLE)}`,
        'reading the applied batches',
      );
      return new Map(
        rows.map((r): [string, AppliedBatch] => [
          r.batch_id,
          { id: r.batch_id, sequence: Number(r.sequence), sha256: r.manifest_sha256 },
        ]),
      );
    },

    async apply(batch) {
      // The dimensions are independent of each other: their jobs run side by side (a BigQuery
      // job has seconds of latency); the fact follows once every dimension is merged. The
      // emulator's embedded engine panics under concurrent requests: one at a time there.
      const tables = tablesToLoad(batch.manifest);
      const dimensions = tables.filter((t) => SILVER_TABLES[t.table].kind === 'dimension');
      const lanes = emulator ? 1 : dimensions.length;
      const failures: unknown[] = [];
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          for (let t = dimensions.shift(); t; t = dimensions.shift()) {
            await applyTable(batch, t.table, t.rows, t.keys).catch((err) => failures.push(err));
          }
        }),
      );
      if (failures.length > 0) throw failures[0];
      for (const t of tables.filter((t) => SILVER_TABLES[t.table].kind === 'fact')) {
        await applyTable(batch, t.table, t.rows, t.keys);
      }
      // The fault suite's crash point: the batch's data merged, its record not yet written.
      faultPoint('warehouse-loader.after-merge');
      const recordId = jobIdOf(batch, LOADS_TABLE, 'record');
      const record = { query: { query: recordSql(batch), useLegacySql: false } };
      const how = await runJob(recordId, record, `recording batch ${batch.id}`);
      // A record job found done while the row is missing (deleted by hand to force a reload)
      // would leave the batch unrecorded for ever: insert it again under a new attempt id.
      if (how === 'found' && !(await isRecorded(batch))) {
        await runJob(recordId, record, `recording batch ${batch.id}`, { fresh: true });
      }
    },

    async close() {
      // Nothing is held between runs; the next run re-checks the dataset and tables.
      opened = false;
    },
  };
}
