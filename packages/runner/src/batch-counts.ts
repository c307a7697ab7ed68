import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '@lakestream/object-store';
import { BATCHES_PREFIX, type BatchManifest, parseBatchManifest } from '@lakestream/silver';

/** The gold tables of the contract (schema `gold`), in the order the report prints them. */
export const GOLD_TABLES = [
  'customer_retention',
  'financial_commitments',
  'fraud_detection',
  'inventory_levels',
  'overall_performance',
  'payment_delays',
  'shipping_delays',
] as const;

/** Every published silver batch manifest, in batch order. */
export async function readSilverBatches(store: ObjectStore): Promise<BatchManifest[]> {
  const manifests: BatchManifest[] = [];
  for await (const info of store.list(BATCHES_PREFIX)) {
    if (!info.key.endsWith('.json')) continue;
    manifests.push(parseBatchManifest((await store.get(info.key)).toString('utf8')));
  }
  return manifests.sort((a, b) => a.sequence - b.sequence);
}

/** Runs `read` on the warehouse opened read-only, and closes it (the loader and dbt write it). */
export async function withWarehouse<T>(
  path: string,
  read: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return await read(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Batch ids the warehouse records as applied (`silver._lakestream_loads`); empty when there is none. */
export async function appliedBatches(warehousePath: string): Promise<Set<string>> {
  if (!existsSync(warehousePath)) return new Set();
  return withWarehouse(warehousePath, async (query) => {
    const exists = await query(
      `select 1 from information_schema.tables where table_schema = 'silver' and table_name = '_lakestream_loads'`,
    );
    if (exists.length === 0) return new Set<string>();
    const rows = await query('select batch_id from silver._lakestream_loads');
    return new Set(rows.map((r) => String(r.batch_id)));
  });
}

/** Row counts of the gold tables (null for a table that does not exist). */
export async function goldRowCounts(warehousePath: string): Promise<Map<string, number | null>> {
  const counts = new Map<string, number | null>(GOLD_TABLES.map((t) => [t, null]));
  if (!existsSync(warehousePath)) return counts;
  return withWarehouse(warehousePath, async (query) => {
    const present = new Set(
      (
        await query(`select table_name from information_schema.tables where table_schema = 'gold'`)
      ).map((r) => String(r.table_name)),
    );
    for (const table of GOLD_TABLES) {
      if (!present.has(table)) continue;
      const [row] = await query(`select count(*) as n from gold."${table}"`);
      counts.set(table, Number(row?.n ?? 0));
    }
    return counts;
  });
}

/** Row counts of the silver tables in the warehouse. */
export async function warehouseSilverCounts(warehousePath: string): Promise<Map<string, number>> {
  if (!existsSync(warehousePath)) return new Map();
  return withWarehouse(warehousePath, async (query) => {
    const tables = await query(
      `select table_name from information_schema.tables where table_schema = 'silver' and table_name not like '\\_%' escape '\\' order by 1`,
    );
    const counts = new Map<string, number>();
    for (const { table_name } of tables) {
      const [row] = await query(`select count(*) as n from silver."${String(table_name)}"`);
      counts.set(String(table_name), Number(row?.n ?? 0));
    }
    return counts;
  });
}
