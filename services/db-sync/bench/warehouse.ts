// The warehouse copy, read-only, to check that the measured sync really landed every row (the
// DuckDB driver is a devDependency: db-sync itself never opens the warehouse).
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';

/** Live rows (not marked deleted) and the sum of `qty` of `schema.table` in the DuckDB file. */
export async function warehouseFigures(
  file: string,
  schema: string,
  table: string,
): Promise<{ rows: number; qty: string }> {
  const instance = await openReadOnly(file);
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT count(*), CAST(sum(qty) AS VARCHAR) FROM "${schema}"."${table}" WHERE _ls_deleted_at IS NULL`,
    );
    const [rows, qty] = reader.getRows()[0] as [bigint | number, string];
    return { rows: Number(rows), qty };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The loader holds the file only while it applies a batch: wait for that one to end. */
async function openReadOnly(file: string) {
  for (let tries = 0; ; tries++) {
    try {
      return await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    } catch (err) {
      if (tries >= 100 || !/Could not set lock/.test(String(err))) throw err;
      await sleep(200);
    }
  }
}
