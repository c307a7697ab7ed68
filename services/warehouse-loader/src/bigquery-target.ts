import type { BigQuery } from '@google-cloud/bigquery';
import type { ObjectStore } from '@lakestream/object-store';
import { faultPoint } from '@lakestream/observability';
import {
  bigquerySchema,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  type SilverTableName,
} from '@lakestream/silver';
import {
  type AppliedBatch,
  type PublishedBatch,
  type TableToLoad,
  tablesToLoad,
} from './batches.js';
import { classifyBigqueryError, isAlreadyExists, isNotFound } from './bigquery-errors.js';
import { bigqueryJobId, type JobConfiguration } from './bigquery-jobs.js';
import { createBigquerySession } from './bigquery-session.js';
import {
  appliedSql,
  bigqueryMergeSql,
  recordedSql,
  recordSql,
  stagingCheckSql,
  stagingTableName,
} from './bigquery-sql.js';
import { LoaderError } from './errors.js';
import { LOADS_TABLE, loadsBigquerySchema } from './loads-table.js';
import type { WarehouseTarget } from './target.js';

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
  const session = createBigquerySession(options, 'Parquet files');
  const { bq, location, emulator, jobs, call, query } = session;
  const datasetId = options.dataset;
  const dataset = bq.dataset(datasetId, location);
  let project = options.projectId ?? '';
  /** Creation time of each table this run found or made: part of the job ids (see above). */
  const incarnation = new Map<string, string>();

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
        if (!isAlreadyExists(createErr))
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

  /** The deterministic id of one step of a batch (see above). */
  function jobIdOf(batch: PublishedBatch, table: string, step: string): string {
    return bigqueryJobId({
      project,
      dataset: datasetId,
      table,
      incarnation: incarnation.get(table),
      batch,
      step,
    });
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
    let rows: number;
    let keys: number;
    try {
      const [row] = await query<{ n: number; k: number }>(
        stagingCheckSql(project, datasetId, table, staging),
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
    { table, rows, keys, partitions }: TableToLoad,
  ): Promise<void> {
    const staging = stagingTableName(table, batch.id);
    const mergeId = jobIdOf(batch, table, 'merge');
    const merged = await jobs.succeeded(mergeId);
    if (!merged.done) {
      const loadId = jobIdOf(batch, table, 'load');
      const load = loadConfiguration(table, staging, keys);
      const what = `loading ${table} of batch ${batch.id} into ${staging}`;
      await jobs.run(loadId, load, what);
      if (!(await checkStaging(batch, table, staging, rows))) {
        // The load had succeeded, but its staging table is gone (dropped before the MERGE).
        await jobs.run(loadId, load, what, { fresh: true });
        await checkStaging(batch, table, staging, rows);
      }
      await jobs.run(
        mergeId,
        {
          query: {
            query: bigqueryMergeSql(project, datasetId, table, staging, partitions),
            useLegacySql: false,
          },
        },
        `merging ${staging} into ${table}`,
        { free: merged.free },
      );
    }
    await session.dropTable(datasetId, staging);
  }

  async function isRecorded(batch: PublishedBatch): Promise<boolean> {
    const [row] = await query<{ n: number }>(
      recordedSql(project, datasetId, batch),
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
      await session.ensureDataset(datasetId);
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
        appliedSql(project, datasetId),
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
            await applyTable(batch, t).catch((err) => failures.push(err));
          }
        }),
      );
      if (failures.length > 0) throw failures[0];
      for (const t of tables.filter((t) => SILVER_TABLES[t.table].kind === 'fact')) {
        await applyTable(batch, t);
      }
      // The fault suite's crash point: the batch's data merged, its record not yet written.
      faultPoint('warehouse-loader.after-merge');
      const recordId = jobIdOf(batch, LOADS_TABLE, 'record');
      const record = {
        query: { query: recordSql(project, datasetId, batch), useLegacySql: false },
      };
      const how = await jobs.run(recordId, record, `recording batch ${batch.id}`);
      // A record job found done while the row is missing (deleted by hand to force a reload)
      // would leave the batch unrecorded for ever: insert it again under a new attempt id.
      if (how === 'found' && !(await isRecorded(batch))) {
        await jobs.run(recordId, record, `recording batch ${batch.id}`, { fresh: true });
      }
    },

    async close() {
      // Nothing is held between runs; the next run re-checks the dataset and tables.
      opened = false;
    },
  };
}
