/**
 * `--reconcile`: every primary key of a MERGE table, read in key order in ranges of
 * `rangeRows` inside one snapshot (`WHERE (pk) > (last) ORDER BY pk LIMIT n`), one `keys`
 * record per range. Only one range is held at a time, however large the table.
 */
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { TablePlan } from './discovery.js';
import { encodeValue } from './encode.js';
import { inSnapshot, quoteId } from './read.js';

/** What a reconcile read found. */
export interface KeyRangesResult {
  keys: number;
  ranges: number;
  readAt: string;
}

/** Reads the keys of `plan`'s table range by range, handing each range (encoded keys) to `onRange`. */
export async function readKeyRanges(
  connection: PoolConnection,
  plan: TablePlan,
  rangeRows: number,
  onRange: (keys: unknown[][]) => Promise<void>,
): Promise<KeyRangesResult> {
  const columns = plan.primaryKey.map((name) => plan.columns.find((c) => c.name === name)!);
  const table = `${quoteId(plan.database)}.${quoteId(plan.table)}`;
  const list = plan.primaryKey.map(quoteId).join(', ');
  const first = `SELECT ${list} FROM ${table} ORDER BY ${list} LIMIT ?`;
  const next = `SELECT ${list} FROM ${table} WHERE (${list}) > (${plan.primaryKey.map(() => '?').join(', ')}) ORDER BY ${list} LIMIT ?`;
  return inSnapshot(connection, async (readAt) => {
    let last: unknown[] | undefined;
    let keys = 0;
    let ranges = 0;
    for (;;) {
      // rowsAsArray keeps the key's values in key order whatever the column names.
      const [rows] = await connection.query<RowDataPacket[]>({
        sql: last === undefined ? first : next,
        values: last === undefined ? [rangeRows] : [...last, rangeRows],
        rowsAsArray: true,
      });
      if (rows.length === 0) break;
      const raw = rows as unknown as unknown[][];
      await onRange(raw.map((key) => key.map((value, i) => encodeValue(columns[i]!, value))));
      keys += raw.length;
      ranges++;
      last = raw[raw.length - 1];
      if (raw.length < rangeRows) break;
    }
    return { keys, ranges, readAt };
  });
}
