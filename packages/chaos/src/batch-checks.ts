import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '@lakestream/object-store';
import { BATCHES_PREFIX, type BatchManifest, parseBatchManifest } from '@lakestream/silver';
import type { BronzeManifestRef } from './streaming-checks.js';
import { type LayerTally, type Produced, position, tally } from './tally.js';

/** Runs `read` with a DuckDB connection; `attach` maps aliases to database files opened read-only. */
export async function withDuckDb<T>(
  attach: Record<string, string>,
  read: (query: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const [alias, path] of Object.entries(attach)) {
      await connection.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${alias} (READ_ONLY)`);
    }
    return await read(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Every published silver batch manifest, in batch order. */
export async function readSilverBatches(store: ObjectStore): Promise<BatchManifest[]> {
  const batches: BatchManifest[] = [];
  for await (const info of store.list(BATCHES_PREFIX)) {
    if (info.key.endsWith('.json'))
      batches.push(parseBatchManifest((await store.get(info.key)).toString('utf8')));
  }
  return batches.sort((a, b) => a.sequence - b.sequence);
}

/**
 * Silver: every committed bronze object consumed by exactly one published batch, and every
 * produced record in exactly one fact row of the published batches (read from their Parquet files).
 */
export async function checkSilver(
  store: ObjectStore,
  batches: readonly BatchManifest[],
  manifests: readonly BronzeManifestRef[],
  produced: Produced,
  workDir: string,
): Promise<LayerTally> {
  const problems: string[] = [];
  const consumed = new Map<string, number>();
  for (const b of batches)
    for (const i of b.inputs) consumed.set(i.key, (consumed.get(i.key) ?? 0) + 1);
  const committed = new Set(manifests.map((m) => m.key));
  const untransformed = manifests.filter((m) => !consumed.has(m.key));
  if (untransformed.length > 0) {
    const records = untransformed.reduce((n, m) => n + m.record_count, 0);
    problems.push(
      `${untransformed.length} committed bronze object(s) in no batch (${records} records)`,
    );
  }
  const twice = [...consumed.values()].filter((n) => n > 1).length;
  if (twice > 0) problems.push(`${twice} bronze object(s) consumed by more than one batch`);
  const strangers = [...consumed.keys()].filter((k) => !committed.has(k)).length;
  if (strangers > 0) problems.push(`${strangers} batch input(s) that no committed manifest names`);
  const rejected = batches.reduce((n, b) => n + b.quality.rejected, 0);
  if (rejected > 0) problems.push(`${rejected} record(s) quarantined`);

  const files = batches.flatMap((b) => b.tables.fct_order_items?.files ?? []);
  const dir = join(workDir, 'silver-check');
  await mkdir(dir, { recursive: true });
  try {
    const paths: string[] = [];
    for (const [i, file] of files.entries()) {
      const path = join(dir, `${i}.parquet`);
      await writeFile(path, await store.get(file.key));
      paths.push(path);
    }
    const rows =
      paths.length === 0
        ? []
        : await withDuckDb({}, (query) =>
            query(
              `select kafka_partition as p, kafka_offset as o, order_item_id as id
                 from read_parquet([${paths.map((p) => `'${p}'`).join(', ')}], hive_partitioning = false)`,
            ),
          );
    const result = tally(
      'silver',
      produced,
      rows.map((r) => ({
        partition: Number(r.p),
        offset: Number(r.o),
        orderItemId: Number(r.id),
      })),
    );
    result.problems.unshift(...problems);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Warehouse: every published batch recorded as applied, and silver.fct_order_items holding each
 * order item once, as the version produced (its own Kafka position).
 */
export async function checkWarehouse(
  warehousePath: string,
  batches: readonly BatchManifest[],
  produced: Produced,
): Promise<LayerTally> {
  if (!existsSync(warehousePath)) {
    return { ...tally('warehouse', produced, []), problems: ['no warehouse file'] };
  }
  return withDuckDb({ w: warehousePath }, async (query) => {
    const problems: string[] = [];
    const loads = await query(
      `select table_name from information_schema.tables where table_catalog = 'w' and table_schema = 'silver' and table_name = '_lakestream_loads'`,
    );
    const applied = new Set(
      loads.length === 0
        ? []
        : (await query('select batch_id from w.silver._lakestream_loads')).map((r) =>
            String(r.batch_id),
          ),
    );
    const unapplied = batches.filter((b) => !applied.has(b.batch_id)).map((b) => b.batch_id);
    if (unapplied.length > 0)
      problems.push(`batch(es) published but not applied: ${unapplied.join(', ')}`);
    const rows = await query(
      'select kafka_partition as p, kafka_offset as o, order_item_id as id from w.silver.fct_order_items',
    ).catch(() => [] as Record<string, unknown>[]);
    const wrongVersion = rows.filter(
      (r) => produced.get(position(Number(r.p), Number(r.o))) !== Number(r.id),
    ).length;
    if (wrongVersion > 0)
      problems.push(`${wrongVersion} row(s) whose Kafka position is not their order item's record`);
    const result = tally(
      'warehouse',
      produced,
      rows.map((r) => ({ partition: Number(r.p), offset: Number(r.o), orderItemId: Number(r.id) })),
    );
    result.problems.unshift(...problems);
    return result;
  });
}
