/**
 * One table's sync: plan → read in a snapshot and publish → announce → wait for the warehouse's
 * confirmation → move the state. A source or Kafka fault retries the read as the next attempt
 * (its records are told apart by the attempt number); nothing moves the state but a confirmation.
 */

import { withRetry } from '@lakestream/config';
import { dbTableTopic } from '@lakestream/kafka';
import {
  DB_SYNC_VERSION,
  type DbColumn,
  type DbOffsetRange,
  type DbRowRecord,
  type DbSyncBatch,
  dbSyncKey,
} from '@lakestream/lake';
import type { Logger } from '@lakestream/observability';
import type { Admin, Producer } from 'kafkajs';
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { AppliedWatch } from './applied-watch.js';
import type { DbSyncConfig, SourceEndpoint } from './config.js';
import type { DbSyncMetrics } from './db-sync-metrics.js';
import { describePlan, planTable, schemaDrift, type TablePlan } from './discovery.js';
import { encodeRow, recordKey } from './encode.js';
import { DbSyncError } from './errors.js';
import { RecordPublisher } from './publish.js';
import { readTable } from './read.js';
import { readKeyRanges } from './reconcile.js';
import { scrub, sourceConnection, sourceError } from './source.js';
import type { DatabaseStateStore } from './state.js';
import { failedTableState, nextTableState, withAppliedChanges } from './table-state.js';

/** What every table of a run shares. */
export interface SyncContext {
  config: DbSyncConfig;
  endpoint: SourceEndpoint;
  runId: string;
  producer: Producer;
  admin: Admin;
  watch: AppliedWatch;
  logger: Logger;
  metrics?: DbSyncMetrics;
  /** `--full`. */
  full: boolean;
  /** `--reconcile`. */
  reconcile: boolean;
  /** One line per decision (the plan of each table). */
  print: (line: string) => void;
  /** Rows published so far, for a progress line. */
  onRows?: (rows: number) => void;
  /** Aborted at shutdown: no table starts after it, the tables under way finish. */
  stopping?: AbortSignal;
}

/** How one table's sync ended. */
export interface TableResult {
  database: string;
  table: string;
  mode: string;
  write: string;
  rows: number;
  seconds: number;
  status: 'ok' | 'failed';
  error?: DbSyncError;
}

/** What one attempt published. */
interface Published {
  plan: TablePlan;
  batch: DbSyncBatch;
}

/** Syncs one table of `store`'s database; never throws (a failure is the result's `error`). */
export async function syncTable(
  ctx: SyncContext,
  pool: Pool,
  store: DatabaseStateStore,
  table: string,
): Promise<TableResult> {
  const database = store.database;
  const started = new Date();
  const seconds = () => (Date.now() - started.getTime()) / 1000;
  const previous = store.table(table);
  let plan: TablePlan | undefined;
  try {
    const published = await withAttempts(ctx, database, table, (attempt) =>
      readAndAnnounce(ctx, pool, store, table, attempt, (p) => {
        if (plan === undefined) ctx.print(describePlan(p));
        plan = p;
      }),
    );
    const applied = await ctx.watch.wait(published.batch, ctx.config.applyTimeoutMs);
    const drift = schemaDrift(previous?.columns, published.plan.columns);
    for (const change of drift)
      ctx.logger.warn({ database, table, change }, 'source schema changed');
    let state = nextTableState(previous, published.plan, published.batch, applied, drift, {
      startedAt: started,
      seconds: seconds(),
      sourceTimeZone: ctx.config.sourceTimeZone,
    });
    ctx.logger.info(
      { database, table, rows: published.batch.rows, watermark: state.watermark, applied },
      'table synced',
    );
    await store.update(table, state);
    if (ctx.reconcile && published.plan.write === 'merge') {
      const reconciled = await withAttempts(ctx, database, table, (attempt) =>
        reconcileAndAnnounce(ctx, pool, published.plan, attempt),
      );
      const confirmed = await ctx.watch.wait(reconciled, ctx.config.applyTimeoutMs);
      ctx.logger.info({ database, table, deleted: confirmed.rows_deleted }, 'table reconciled');
      state = withAppliedChanges(state, confirmed);
      await store.update(table, { ...state, seconds: seconds() });
    }
    ctx.metrics?.tables.inc({ database, outcome: 'synced' });
    ctx.metrics?.shared.batchDuration.observe({ component: 'db_sync' }, seconds());
    return {
      database,
      table,
      mode: published.plan.mode,
      write: published.plan.write,
      rows: published.batch.rows,
      seconds: seconds(),
      status: 'ok',
    };
  } catch (err) {
    const error =
      err instanceof DbSyncError ? err : sourceError(err, ctx.endpoint, `${database}.${table}`);
    const message = scrub(error.message, ctx.endpoint);
    ctx.logger.error(
      { err: error, database, table },
      'table failed; its state keeps its watermark',
    );
    ctx.metrics?.tables.inc({ database, outcome: 'failed' });
    ctx.metrics?.shared.errors.inc({ component: 'db_sync', code: error.code });
    await store
      .update(
        table,
        failedTableState(previous, plan, message, started, seconds(), ctx.config.sourceTimeZone),
      )
      .catch((writeErr: unknown) =>
        ctx.logger.error({ err: writeErr }, 'could not record the failure'),
      );
    return {
      database,
      table,
      mode: plan?.mode ?? '-',
      write: plan?.write ?? '-',
      rows: 0,
      seconds: seconds(),
      status: 'failed',
      error,
    };
  }
}

/** Runs `attempt` until it succeeds, retrying retryable faults with backoff up to DB_SYNC_MAX_ATTEMPTS. */
function withAttempts<T>(
  ctx: SyncContext,
  database: string,
  table: string,
  run: (attempt: number) => Promise<T>,
): Promise<T> {
  return withRetry((attempt) => run(attempt), {
    retries: ctx.config.maxAttempts - 1,
    baseMs: ctx.config.retryBaseMs,
    maxMs: 30_000,
    onRetry: ({ err, attempt, delayMs }) =>
      ctx.logger.warn(
        { err, database, table, attempt, delayMs },
        `${database}.${table}: attempt ${attempt} failed; retrying as attempt ${attempt + 1}`,
      ),
  });
}

async function withConnection<T>(
  ctx: SyncContext,
  pool: Pool,
  body: (connection: PoolConnection) => Promise<T>,
): Promise<T> {
  const connection = await sourceConnection(pool, ctx.endpoint);
  try {
    const result = await body(connection);
    connection.release();
    return result;
  } catch (err) {
    // A connection that failed mid-read may be broken: never hand it to the next table.
    connection.destroy();
    throw err;
  }
}

async function readAndAnnounce(
  ctx: SyncContext,
  pool: Pool,
  store: DatabaseStateStore,
  table: string,
  attempt: number,
  onPlan: (plan: TablePlan) => void,
): Promise<Published> {
  const database = store.database;
  const topic = dbTableTopic(database, table);
  const partitions = (await ctx.admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions
    .length;
  return withConnection(ctx, pool, async (connection) => {
    let plan: TablePlan;
    try {
      plan = await planTable(connection, database, table, store.table(table), {
        timestampColumns: ctx.config.timestampColumns,
        cursorColumnNames: ctx.config.cursorColumnNames,
        full: ctx.full,
      });
    } catch (err) {
      throw sourceError(err, ctx.endpoint, `${database}.${table}: reading the table's schema`);
    }
    onPlan(plan);
    const publisher = new RecordPublisher(ctx.producer, topic, partitions, ctx.config.batchRows);
    const op = plan.write === 'replace' ? 'replace' : plan.write === 'merge' ? 'upsert' : 'append';
    const columns = columnTypes(plan.columns);
    let read: Awaited<ReturnType<typeof readTable>>;
    try {
      read = await readTable(connection, plan, ctx.config.safeWindowSeconds, async (raw) => {
        const row = encodeRow(plan.columns, raw);
        const record: DbRowRecord = {
          version: DB_SYNC_VERSION,
          run_id: ctx.runId,
          attempt,
          database,
          table,
          op,
          columns,
          row,
        };
        await publisher.add({
          key: recordKey(plan.primaryKey, row),
          value: JSON.stringify(record),
        });
        ctx.metrics?.rowsRead.inc({ database, table });
        ctx.onRows?.(1);
      });
    } catch (err) {
      throw sourceError(err, ctx.endpoint, `${database}.${table}: reading rows`);
    }
    const ranges = await publisher.finish();
    const batch = batchOf(ctx, plan, attempt, {
      ranges,
      records: publisher.records,
      rows: read.rows,
      readAt: read.readAt,
      mode: plan.mode,
      write: plan.write,
      watermarkFrom: plan.watermark,
      watermarkTo: read.upper,
    });
    await announce(ctx, batch);
    return { plan, batch };
  });
}

async function reconcileAndAnnounce(
  ctx: SyncContext,
  pool: Pool,
  plan: TablePlan,
  attempt: number,
): Promise<DbSyncBatch> {
  const topic = dbTableTopic(plan.database, plan.table);
  const partitions = (await ctx.admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions
    .length;
  const publisher = new RecordPublisher(ctx.producer, topic, partitions, 1);
  const columns = columnTypes(plan.columns);
  const read = await withConnection(ctx, pool, (connection) =>
    readKeyRanges(connection, plan, ctx.config.reconcileRangeRows, async (keys) => {
      const record: DbRowRecord = {
        version: DB_SYNC_VERSION,
        run_id: ctx.runId,
        attempt,
        database: plan.database,
        table: plan.table,
        op: 'keys',
        columns,
        keys,
      };
      await publisher.add({
        key: `keys:${JSON.stringify(keys[0])}`,
        value: JSON.stringify(record),
      });
    }).catch((err: unknown) => {
      throw sourceError(err, ctx.endpoint, `${plan.database}.${plan.table}: reading keys`);
    }),
  );
  const ranges = await publisher.finish();
  const batch = batchOf(ctx, plan, attempt, {
    ranges,
    records: publisher.records,
    rows: read.keys,
    readAt: read.readAt,
    mode: 'reconcile',
    write: 'reconcile',
    watermarkFrom: null,
    watermarkTo: null,
  });
  await announce(ctx, batch);
  return batch;
}

function columnTypes(columns: readonly DbColumn[]): Record<string, string> {
  return Object.fromEntries(columns.map((c) => [c.name, c.column_type]));
}

/** A watermark as batches carry it: a TIMESTAMP's with its zone, like its values. */
function encodedWatermark(plan: TablePlan, value: string | null): string | null {
  if (value === null) return null;
  return plan.cursorKind === 'timestamp' ? `${value}+00:00` : value;
}

function batchOf(
  ctx: SyncContext,
  plan: TablePlan,
  attempt: number,
  read: {
    ranges: DbOffsetRange[];
    records: number;
    rows: number;
    readAt: string;
    mode: DbSyncBatch['mode'];
    write: DbSyncBatch['write'];
    watermarkFrom: string | null;
    watermarkTo: string | null;
  },
): DbSyncBatch {
  return {
    version: DB_SYNC_VERSION,
    run_id: ctx.runId,
    attempt,
    database: plan.database,
    table: plan.table,
    topic: dbTableTopic(plan.database, plan.table),
    mode: read.mode,
    write: read.write,
    primary_key: plan.primaryKey,
    cursor_column: plan.cursorColumn,
    columns: plan.columns,
    ranges: read.ranges,
    records: read.records,
    rows: read.rows,
    watermark_from: encodedWatermark(plan, read.watermarkFrom),
    watermark_to: encodedWatermark(plan, read.watermarkTo),
    safe_window_seconds: ctx.config.safeWindowSeconds,
    source_time_zone: ctx.config.sourceTimeZone,
    read_at: read.readAt,
  };
}

async function announce(ctx: SyncContext, batch: DbSyncBatch): Promise<void> {
  try {
    await ctx.producer.send({
      topic: ctx.config.batchesTopic,
      acks: -1,
      messages: [{ key: dbSyncKey(batch.database, batch.table), value: JSON.stringify(batch) }],
    });
  } catch (err) {
    throw new DbSyncError(
      'LS_DB_SYNC_PUBLISH_FAILED',
      `${batch.database}.${batch.table}: announcing the batch failed: ${(err as Error).message}`,
      { cause: err, retryable: true },
    );
  }
}
