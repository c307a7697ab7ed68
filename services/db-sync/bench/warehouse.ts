// The warehouse copy, read-only, to check that the measured sync really landed every row.
// db-sync never opens the warehouse, so it does not depend on DuckDB: the bench loads the driver
// the warehouse loader installs (a library, not the loader's code).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './pipeline.js';

/** The part of @duckdb/node-api the bench uses. */
interface DuckDb {
  DuckDBInstance: {
    create(
      path: string,
      options: Record<string, string>,
    ): Promise<{
      connect(): Promise<{
        runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }>;
        closeSync(): void;
      }>;
      closeSync(): void;
    }>;
  };
}

const duckdb = createRequire(join(ROOT, 'services/warehouse-loader/package.json'))(
  '@duckdb/node-api',
) as DuckDb;

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
      return await duckdb.DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    } catch (err) {
      if (tries >= 100 || !/Could not set lock/.test(String(err))) throw err;
      await sleep(200);
    }
  }
}
