/**
 * One sync run over every configured database and table: a lock and a connection pool per
 * database, tables `parallel_tables` at a time across databases, a summary at the end. A
 * database that cannot be used (unknown, access denied, locked) fails its tables with that one
 * error; the others go on.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import { checkDatabase } from './discovery.js';
import { DbSyncError } from './errors.js';
import { lockDatabase } from './lock.js';
import { createSourcePool, sourceConnection, sourceError } from './source.js';
import { DatabaseStateStore } from './state.js';
import { type SyncContext, syncTable, type TableResult } from './sync-table.js';

/** A new run id: sortable by start time, unique. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomUUID().slice(0, 8)}`;
}

/** The databases and tables of a run. */
export interface RunScope {
  databases: readonly string[];
  tables: readonly string[];
}

interface Job {
  pool: Pool;
  store: DatabaseStateStore;
  table: string;
}

/** Syncs every table of `scope`; resolves with one result per table (never throws for a table). */
export async function runSync(
  ctx: SyncContext,
  scope: RunScope,
  lakestreamHome: string,
): Promise<TableResult[]> {
  const results: TableResult[] = [];
  const jobs: Job[] = [];
  const opened: { pool: Pool; release: () => void }[] = [];
  try {
    for (const database of scope.databases) {
      const failAll = (error: DbSyncError) => {
        ctx.logger.error({ err: error, database }, 'database skipped');
        for (const table of scope.tables) results.push(failed(database, table, error));
      };
      let release: () => void;
      try {
        release = lockDatabase(lakestreamHome, database);
      } catch (err) {
        failAll(err as DbSyncError);
        continue;
      }
      const pool = createSourcePool(ctx.endpoint, {
        connectionLimit: ctx.config.parallelTables,
        connectTimeoutMs: ctx.config.connectTimeoutMs,
      });
      opened.push({ pool, release });
      try {
        const store = new DatabaseStateStore(lakestreamHome, database);
        const connection = await sourceConnection(pool, ctx.endpoint);
        try {
          await checkDatabase(connection, database);
        } catch (err) {
          throw sourceError(err, ctx.endpoint, `checking database ${database}`);
        } finally {
          connection.release();
        }
        for (const table of scope.tables) jobs.push({ pool, store, table });
      } catch (err) {
        failAll(err instanceof DbSyncError ? err : sourceError(err, ctx.endpoint, database));
      }
    }
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        if (ctx.stopping?.aborted) {
          results.push(
            failed(
              job.store.database,
              job.table,
              new DbSyncError('LS_DB_SYNC_SOURCE_FAILED', 'not started: shutting down'),
            ),
          );
          continue;
        }
        results.push(await syncTable(ctx, job.pool, job.store, job.table));
      }
    };
    await Promise.all(Array.from({ length: ctx.config.parallelTables }, worker));
  } finally {
    for (const { pool, release } of opened) {
      await pool.end().catch(() => {});
      release();
    }
  }
  const order = (r: TableResult) =>
    `${scope.databases.indexOf(r.database)}`.padStart(4, '0') +
    `${scope.tables.indexOf(r.table)}`.padStart(4, '0');
  return results.sort((a, b) => order(a).localeCompare(order(b)));
}

function failed(database: string, table: string, error: DbSyncError): TableResult {
  return { database, table, mode: '-', write: '-', rows: 0, seconds: 0, status: 'failed', error };
}

/** The summary printed at the end of a run: one row per table, then the failures' errors. */
export function formatSummary(results: readonly TableResult[]): string {
  const rows = results.map((r) => [
    r.database,
    r.table,
    r.mode,
    r.write,
    String(r.rows),
    r.seconds.toFixed(1),
    r.status,
  ]);
  const lines = formatTable(
    ['database', 'table', 'mode', 'write', 'rows', 'seconds', 'status'],
    rows,
  );
  for (const r of results) {
    if (r.error) lines.push(`${r.database}.${r.table}: ${r.error.code}: ${r.error.message}`);
  }
  return lines.join('\n');
}

/** Columns padded to their widest cell. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
