import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  createGcsStore,
  createLocalStore,
  createStorageClient,
  type ObjectStore,
} from '@lakestream/object-store';
import { createLogger, createMetrics } from '@lakestream/observability';
import { quoteIdent, SILVER_TABLE_NAMES, SILVER_TABLES } from '@lakestream/silver';
import { createDuckdbTarget } from '../../src/duckdb-target.js';
import { createLoader, type Loader } from '../../src/loader.js';
import { createLoaderMetrics, type LoaderMetrics } from '../../src/loader-metrics.js';
import type { WarehouseTarget } from '../../src/target.js';

export const silentLogger = createLogger({ service: 'warehouse-loader-test', level: 'silent' });

/** Everything one test creates – folders, buckets – and the clean-up removing it all. */
export class TestBed {
  readonly id = randomUUID().slice(0, 8);
  private readonly cleanups: (() => Promise<void>)[] = [];

  /** A fresh temporary folder. */
  async folder(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'warehouse-loader-test-'));
    this.cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /** A fresh local folder store. */
  async localStore(): Promise<ObjectStore> {
    return createLocalStore(await this.folder());
  }

  /** A fresh fake-gcs-server bucket, objects under a prefix. */
  async gcsStore(): Promise<{ store: ObjectStore; bucket: string }> {
    const emulatorHost = process.env.STORAGE_EMULATOR_HOST!;
    const storage = createStorageClient({ emulatorHost });
    const bucket = `ls-loader-${randomUUID()}`;
    await storage.bucket(bucket).create();
    this.cleanups.push(async () => {
      await storage.bucket(bucket).deleteFiles({ force: true });
      await storage.bucket(bucket).delete();
    });
    return { store: createGcsStore({ bucket, prefix: 'lake', emulatorHost }), bucket };
  }

  /** A loader into a new DuckDB file (or `path`) over `store`. */
  async duckdbLoader(
    store: ObjectStore,
    path?: string,
  ): Promise<{ loader: Loader; path: string; target: WarehouseTarget; metrics: LoaderMetrics }> {
    const file = path ?? join(await this.folder(), 'warehouse.duckdb');
    const target = createDuckdbTarget({ path: file, store, tempDir: await this.folder() });
    const metrics = createLoaderMetrics(
      createMetrics({ service: 'warehouse-loader-test', defaultMetrics: false }),
    );
    const loader = createLoader({
      store,
      target,
      logger: silentLogger,
      metrics,
      retry: { retries: 2, baseMs: 10, maxMs: 50 },
    });
    return { loader, path: file, target, metrics };
  }

  async cleanup(): Promise<void> {
    for (const fn of this.cleanups.splice(0).reverse()) await fn();
  }
}

/** Runs queries against a DuckDB warehouse file, opened only for the call. */
export async function queryDuckdb<T = Record<string, unknown>>(
  path: string,
  sql: string,
): Promise<T[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Row counts of every silver table and of `_lakestream_loads`. */
export async function duckdbCounts(path: string): Promise<Record<string, number>> {
  const tables = [...SILVER_TABLE_NAMES, '_lakestream_loads'];
  const sql = tables
    .map((t) => `SELECT '${t}' AS t, count(*) AS n FROM silver.${quoteIdent(t)}`)
    .join(' UNION ALL ');
  const rows = await queryDuckdb<{ t: string; n: string }>(path, sql);
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

/**
 * SHA-256 of each silver table exported as CSV ordered by its primary key: equal hashes mean the
 * tables are byte-identical in content and order.
 */
export async function duckdbTableHashes(path: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'warehouse-export-'));
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const hashes: Record<string, string> = {};
    for (const table of SILVER_TABLE_NAMES) {
      const file = join(dir, `${table}.csv`);
      const pk = quoteIdent(SILVER_TABLES[table].primaryKey);
      await connection.run(
        `COPY (SELECT * FROM silver.${quoteIdent(table)} ORDER BY ${pk}) TO '${file}' (FORMAT csv, HEADER true)`,
      );
      hashes[table] = createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    }
    return hashes;
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}
