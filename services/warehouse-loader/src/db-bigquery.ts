/**
 * Applies a database sync batch to BigQuery: dataset `src_<database>`, table `<table>`. Per
 * batch: follow the source's columns → stage the records (db-bigquery-stage.ts) → load job into
 * a staging table → one write statement (MERGE / INSERT / atomic replace / reconcile) → the
 * bookkeeping row in `_ls_sync_batches` → drop the staging table. Every job has a deterministic
 * id (project, dataset, table incarnation, run, attempt, step): a batch retried after a crash
 * finds its jobs instead of running them again.
 */

import type { BigQuery } from '@google-cloud/bigquery';
import {
  DB_METADATA_COLUMNS,
  DB_SYNC_VERSION,
  type DbSyncApplied,
  DbSyncAppliedSchema,
  type DbSyncBatch,
  dbWarehouseSchema,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { classifyBigqueryError, isAlreadyExists, isNotFound } from './bigquery-errors.js';
import { createBigquerySession } from './bigquery-session.js';
import { followSourceBigquery } from './db-bigquery-drift.js';
import {
  bigqueryWriteSql,
  bqIdent,
  bqTable,
  bqTimestamp,
  type DbJobStep,
  dbJobId,
  dbStagingTable,
  recordBatchSql,
  recordedBatchSql,
  SYNC_BATCHES_FIELDS,
} from './db-bigquery-sql.js';
import { stageBatch } from './db-bigquery-stage.js';
import { SYNC_BATCHES_TABLE } from './db-sql.js';
import type { DbApplyOutcome, DbWriter } from './db-writer.js';
import { LoaderError } from './errors.js';

/** Options of `createDbBigqueryWriter`. */
export interface DbBigqueryOptions {
  /** The gs:// lake: bronze objects are read from it, staging files written to it for the loads. */
  store: ObjectStore;
  /** Project of the datasets and jobs; default the credentials' project (required with an emulator). */
  projectId?: string;
  /** Location of a new dataset and of the jobs. */
  location?: string;
  /** goccy/bigquery-emulator to talk to; switches its workarounds on (README). */
  emulatorHost?: string;
  /** Parent of the per-batch scratch folders; default the OS temp folder. */
  tempDir?: string;
  /** A client to use instead of building one (tests). */
  client?: BigQuery;
}

/** The writer of the database source into BigQuery (the db worker's `writer`). */
export function createDbBigqueryWriter(options: DbBigqueryOptions): DbWriter {
  const session = createBigquerySession(options, 'staging files');
  const { bq, location, emulator, jobs, call, query } = session;
  let project = options.projectId ?? '';

  /** The table's creation time, creating it first when `fields` are given and it is missing. */
  async function incarnationOf(
    datasetId: string,
    name: string,
    fields?: object[],
  ): Promise<string> {
    const table = bq.dataset(datasetId).table(name);
    try {
      const [metadata] = await table.getMetadata();
      return String(metadata.creationTime ?? '');
    } catch (err) {
      if (!isNotFound(err) || !fields)
        throw classifyBigqueryError(err, `reading ${name}`, emulator);
    }
    try {
      const [created] = await bq.dataset(datasetId).createTable(name, { schema: { fields } });
      return String(created.metadata?.creationTime ?? '');
    } catch (err) {
      if (!isAlreadyExists(err)) throw classifyBigqueryError(err, `creating ${name}`, emulator);
      return incarnationOf(datasetId, name);
    }
  }

  return {
    kind: 'bigquery',
    get description() {
      return `bigquery ${project || '(default project)'}.src_<database>`;
    },

    async apply(batch, offset, pieces): Promise<DbApplyOutcome> {
      if (!project) project = await call('finding the project', () => bq.getProjectId());
      const datasetId = dbWarehouseSchema(batch.database);
      const what = `batch ${batch.run_id} attempt ${batch.attempt} of ${batch.database}.${batch.table}`;
      await session.ensureDataset(datasetId);
      const bookkeeping = bqTable(project, datasetId, SYNC_BATCHES_TABLE);
      const bookIncarnation = await incarnationOf(datasetId, SYNC_BATCHES_TABLE, [
        ...SYNC_BATCHES_FIELDS,
      ]);
      const [prior] = await query<{ c: string | null; o: number | null }>(
        recordedBatchSql(bookkeeping, batch),
        `${what}: reading ${SYNC_BATCHES_TABLE}`,
      );
      if (prior?.c) {
        return { kind: 'recorded', confirmation: DbSyncAppliedSchema.parse(JSON.parse(prior.c)) };
      }
      if (prior?.o !== null && prior?.o !== undefined && Number(prior.o) > offset) {
        return { kind: 'superseded', lastOffset: Number(prior.o) };
      }
      const dataset = bq.dataset(datasetId, location);
      const followed = await followSourceBigquery(
        { bq, dataset, project, table: batch.table, location, emulator },
        batch.columns,
      );
      const target = bqTable(project, datasetId, batch.table);
      const stagingName = dbStagingTable(batch);
      const staging = bqTable(project, datasetId, stagingName);
      const step = (s: DbJobStep['step'], incarnation: string) =>
        dbJobId({
          project,
          dataset: datasetId,
          table: batch.table,
          incarnation,
          runId: batch.run_id,
          attempt: batch.attempt,
          write: batch.write,
          step: s,
        });
      const incarnation = await incarnationOf(datasetId, batch.table);
      const writeId = step('write', incarnation);
      const written = await jobs.succeeded(writeId);
      const stagingKey = `db-staging/${datasetId}/${stagingName}.jsonl`;
      let appliedAt: string;
      if (written.done) {
        // Written before a crash: the apply time the write used is the staging table's description.
        appliedAt = await stagedAt(stagingName);
      } else {
        const staged = await stageBatch(batch, pieces, {
          store: options.store,
          key: stagingKey,
          ...(options.tempDir === undefined ? {} : { tempDir: options.tempDir }),
        });
        const loadId = step('load', incarnation);
        const load = {
          load: {
            sourceUris: [options.store.uri(staged.key)],
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            destinationTable: { projectId: project, datasetId, tableId: stagingName },
            writeDisposition: 'WRITE_TRUNCATE',
            createDisposition: 'CREATE_IF_NEEDED',
            schema: { fields: stagingFields(batch) },
          },
        };
        const loadWhat = `${what}: loading ${stagingName}`;
        await jobs.run(loadId, load, loadWhat);
        if ((await stagedRows(stagingName)) !== staged.rows) {
          // The load had succeeded, but its table is gone or not this file's (dropped, replaced).
          await jobs.run(loadId, load, loadWhat, { fresh: true });
          const rows = await stagedRows(stagingName);
          if (rows !== staged.rows) {
            throw new LoaderError(
              'LS_LOADER_WAREHOUSE_FAILED',
              `${loadWhat}: ${rows} rows loaded of ${staged.rows} staged`,
            );
          }
        }
        appliedAt = new Date().toISOString();
        await call(`${what}: marking ${stagingName}`, () =>
          dataset.table(stagingName).setMetadata({ description: appliedAt }),
        );
        const sql = bigqueryWriteSql(batch.write, {
          target,
          staging,
          columns: followed.typed,
          dropped: followed.dropped,
          primaryKey: batch.primary_key,
          runId: batch.run_id,
          appliedAt,
        });
        await jobs.run(
          writeId,
          { query: { query: sql, useLegacySql: false } },
          `${what}: writing (${batch.write})`,
          { free: written.free },
        );
      }
      const deleted = bqIdent(DB_METADATA_COLUMNS.deletedAt);
      const [counts] = await query<{ live: number; marked: number }>(
        `SELECT COUNTIF(${deleted} IS NULL) AS live, COUNTIF(${deleted} = ${bqTimestamp(appliedAt)}) AS marked FROM ${target}`,
        `${what}: counting rows`,
      );
      const rowsIn = batch.write === 'reconcile' ? await stagedRows(stagingName) : batch.records;
      const confirmation = DbSyncAppliedSchema.parse({
        version: DB_SYNC_VERSION,
        run_id: batch.run_id,
        attempt: batch.attempt,
        database: batch.database,
        table: batch.table,
        write: batch.write,
        target: 'bigquery',
        target_table: `${project}.${datasetId}.${batch.table}`,
        rows_in: rowsIn,
        rows_after: Number(counts?.live),
        rows_deleted: batch.write === 'reconcile' ? Number(counts?.marked) : 0,
        outcome: 'applied',
        error: null,
        schema_changes: followed.changes,
        applied_at: appliedAt,
      } satisfies DbSyncApplied);
      await jobs.run(
        step('record', bookIncarnation),
        {
          query: {
            query: recordBatchSql(bookkeeping, {
              table_name: batch.table,
              run_id: batch.run_id,
              attempt: batch.attempt,
              mode: batch.mode,
              write: batch.write,
              announcement_offset: offset,
              rows_in: confirmation.rows_in,
              rows_after: confirmation.rows_after,
              rows_deleted: confirmation.rows_deleted,
              watermark_to: batch.watermark_to,
              applied_at: appliedAt,
              confirmation: JSON.stringify(confirmation),
            }),
            useLegacySql: false,
          },
        },
        `${what}: recording it`,
      );
      await session.dropTable(datasetId, stagingName);
      await options.store.delete(stagingKey).catch(() => {});
      return { kind: 'applied', confirmation };

      async function stagedRows(name: string): Promise<number> {
        try {
          const [row] = await query<{ n: number }>(
            `SELECT COUNT(*) AS n FROM ${bqTable(project, datasetId, name)}`,
            `${what}: counting ${name}`,
          );
          return Number(row?.n);
        } catch (err) {
          if (/not found/i.test((err as Error).message)) return -1;
          throw err;
        }
      }
      async function stagedAt(name: string): Promise<string> {
        try {
          const [metadata] = await dataset.table(name).getMetadata();
          const at = String(metadata.description ?? '');
          if (!Number.isNaN(Date.parse(at))) return at;
        } catch (err) {
          if (!isNotFound(err)) throw classifyBigqueryError(err, `reading ${name}`, emulator);
        }
        throw new LoaderError(
          'LS_LOADER_WAREHOUSE_FAILED',
          `${what}: its write job ${writeId} succeeded but its staging table ${name} (which holds the apply time) is gone; record the batch by hand or rebuild the table`,
        );
      }
    },
  };
}

/** The staging table's fields: every column as its encoded text, plus the row hash. */
function stagingFields(batch: DbSyncBatch): { name: string; type: string }[] {
  if (batch.write === 'reconcile') {
    return batch.primary_key.map((name) => ({ name, type: 'STRING' }));
  }
  return [
    ...batch.columns.map((c) => ({ name: c.name, type: 'STRING' })),
    { name: DB_METADATA_COLUMNS.rowHash, type: 'STRING' },
  ];
}
