/**
 * Reading silver back the way an independent reader would: only through published manifests,
 * Parquet through DuckDB's `read_parquet` on the files alone.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { listAll, type ObjectStore } from '@lakestream/object-store';
import type { OrderItemEvent } from '@lakestream/schema';
import {
  BATCHES_PREFIX,
  type BatchManifest,
  parseBatchManifest,
  type SilverTableName,
} from '@lakestream/silver';

/** Every published manifest, in batch order. */
export async function publishedManifests(store: ObjectStore): Promise<BatchManifest[]> {
  const manifests: BatchManifest[] = [];
  for (const info of await listAll(store, BATCHES_PREFIX))
    manifests.push(parseBatchManifest((await store.get(info.key)).toString('utf8')));
  return manifests;
}

/** A DuckDB session of its own, reading Parquet files copied to a local folder. */
export class ParquetReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly dir: string,
  ) {}

  static async open(dir: string): Promise<ParquetReader> {
    return new ParquetReader(await DuckDBInstance.create(':memory:'), dir);
  }

  /** Copies a table's files of a batch to the local folder; returns the local paths. */
  async fetch(
    store: ObjectStore,
    manifest: BatchManifest,
    table: SilverTableName,
  ): Promise<string[]> {
    const paths: string[] = [];
    for (const file of manifest.tables[table]?.files ?? []) {
      const path = join(this.dir, file.key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await store.get(file.key));
      paths.push(path);
    }
    return paths;
  }

  /** Rows of a query (BIGINT as string, DATE as YYYY-MM-DD). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const connection = await this.instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  }

  /**
   * `read_parquet([...])` of local paths, as SQL. The `batch=…` (and `order_month=…`) folders
   * look like hive partitions: without `hive_partitioning = false` DuckDB adds them as columns.
   */
  static source(paths: readonly string[]): string {
    return `read_parquet([${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')}], hive_partitioning = false)`;
  }

  close(): void {
    this.instance.closeSync();
  }
}

const trim = (text: string) => text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');

/** What the silver tables of events must hold: one row per item (the last version given). */
export function expectedCounts(events: readonly OrderItemEvent[]): Record<SilverTableName, number> {
  const items = new Map<number, OrderItemEvent>();
  for (const event of events) items.set(event.order_item_id, event);
  const latest = [...items.values()];
  const geography = new Set(
    latest.map((e) =>
      [
        e.order_city,
        e.order_state,
        e.order_country,
        e.order_region,
        e.market,
        e.order_zipcode ?? '',
      ]
        .map((t) => trim(String(t)))
        .join('\u001f'),
    ),
  );
  const days = new Set(
    latest.flatMap((e) => [e.order_date.slice(0, 10), e.shipping_date.slice(0, 10)]),
  );
  return {
    dim_customer: new Set(latest.map((e) => e.customer_id)).size,
    dim_product: new Set(latest.map((e) => e.product_card_id)).size,
    dim_geography: geography.size,
    dim_date: days.size,
    fct_order_items: latest.length,
  };
}
