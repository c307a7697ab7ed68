/**
 * The read of one table inside one consistent, read-only snapshot: the upper bound is taken in the
 * same snapshot the rows are read from, so a row committed after it is neither read nor skipped
 * (it is above the bound, or caught by the next read's safe window). Rows are streamed, never
 * held: each is handed to `onRow`, whose wait is the stream's back-pressure.
 */
import type { Connection as CoreConnection } from 'mysql2';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { TablePlan } from './discovery.js';

/** What a snapshot read found. */
export interface ReadResult {
  rows: number;
  /** `MAX(cursor)` in the snapshot, as the source spells it; null without a cursor or rows. */
  upper: string | null;
  /** When the snapshot was opened (ISO 8601 UTC). */
  readAt: string;
}

/** A quoted identifier. */
export function quoteId(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** Runs `body` in a REPEATABLE READ, read-only, consistent-snapshot transaction. */
export async function inSnapshot<T>(
  connection: PoolConnection,
  body: (readAt: string) => Promise<T>,
): Promise<T> {
  await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await connection.query('START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT');
  const readAt = new Date().toISOString();
  try {
    const result = await body(readAt);
    await connection.query('COMMIT');
    return result;
  } catch (err) {
    await connection.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Streams a statement's rows one at a time, awaiting `onRow` before the next (back-pressure). */
export async function streamRows(
  connection: PoolConnection,
  sql: string,
  values: unknown[],
  onRow: (row: Record<string, unknown>) => Promise<void>,
): Promise<number> {
  const core = connection.connection as unknown as CoreConnection;
  const stream = core.query({ sql, values }).stream({ highWaterMark: 256 });
  // A server that goes away mid-read fails the connection, not the paused row stream: without
  // this the read would wait for the next row for good instead of failing and being retried.
  const lost = (err: Error) => stream.destroy(err);
  core.once('error', lost);
  let rows = 0;
  try {
    for await (const row of stream) {
      await onRow(row as Record<string, unknown>);
      rows++;
    }
  } finally {
    core.off('error', lost);
  }
  return rows;
}

/**
 * Reads the rows `plan` asks for: FULL every row; INCREMENTAL
 * `cursor >= watermark − safe window AND cursor <= upper`.
 */
export async function readTable(
  connection: PoolConnection,
  plan: TablePlan,
  safeWindowSeconds: number,
  onRow: (row: Record<string, unknown>) => Promise<void>,
): Promise<ReadResult> {
  const table = `${quoteId(plan.database)}.${quoteId(plan.table)}`;
  const select = `SELECT ${plan.columns.map((c) => quoteId(c.name)).join(', ')} FROM ${table}`;
  return inSnapshot(connection, async (readAt) => {
    let upper: string | null = null;
    if (plan.cursorColumn !== null) {
      const [max] = await connection.query<RowDataPacket[]>(
        `SELECT MAX(${quoteId(plan.cursorColumn)}) AS upper FROM ${table}`,
      );
      const value = max[0]?.upper;
      upper = value === null || value === undefined ? null : String(value);
    }
    if (plan.mode === 'full') {
      return { rows: await streamRows(connection, select, [], onRow), upper, readAt };
    }
    if (upper === null) return { rows: 0, upper, readAt };
    const cursor = quoteId(plan.cursorColumn!);
    const sql = `${select} WHERE ${cursor} >= CAST(? AS DATETIME(6)) - INTERVAL ? SECOND AND ${cursor} <= CAST(? AS DATETIME(6))`;
    const values = [plan.watermark, safeWindowSeconds, upper];
    return { rows: await streamRows(connection, sql, values, onRow), upper, readAt };
  });
}
