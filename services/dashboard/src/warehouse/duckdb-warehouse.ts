import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { DashboardError } from '../errors.js';
import { duckdbDialect, type Row, type Warehouse } from './warehouse.js';

/** Options of `openDuckdbWarehouse`. */
export interface DuckdbWarehouseOptions {
  /** The warehouse file. */
  path: string;
  /** Longest one query may run before it is interrupted. */
  queryTimeoutMs: number;
}

// Nothing may be fetched at run time: the dashboard needs no extension at all.
const OPEN_OPTIONS = {
  access_mode: 'READ_ONLY',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
} as const;

interface Session {
  readonly instance: Promise<DuckDBInstance>;
  users: number;
}

/** A DuckDB error as the dashboard's error: which of "not there", "busy", "not built" it is. */
export function classifyDuckdbError(err: unknown, path: string, stage: 'open' | 'query') {
  if (err instanceof DashboardError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/Could not set lock|Conflicting lock/i.test(message)) {
    return new DashboardError(
      'LS_DASHBOARD_WAREHOUSE_LOCKED',
      `the warehouse ${path} is being written by another process (the loader or dbt); try again in a moment`,
      { retryable: true, cause: err, details: { path } },
    );
  }
  if (/database does not exist/i.test(message)) return missingWarehouse(path, err);
  const missing = /Catalog Error: (Table|Schema) with name (\S+) does not exist/i.exec(message);
  if (missing) {
    // Every query reads the schema gold, so a missing table is gold.<name>.
    const what = missing[1] === 'Table' ? `table gold.${missing[2]}` : `schema ${missing[2]}`;
    return new DashboardError(
      'LS_DASHBOARD_GOLD_MISSING',
      `the gold layer is not built in ${path} (${what} does not exist): run \`dbt build\``,
      { retryable: true, cause: err, details: { path, missing: what } },
    );
  }
  if (stage === 'open') {
    return new DashboardError(
      'LS_DASHBOARD_WAREHOUSE_UNAVAILABLE',
      `cannot open the warehouse ${path}: ${message.split('\n')[0]}`,
      { retryable: true, cause: err, details: { path } },
    );
  }
  return new DashboardError(
    'LS_DASHBOARD_QUERY_FAILED',
    `query failed: ${message.split('\n')[0]}`,
    {
      cause: err,
      details: { path },
    },
  );
}

function missingWarehouse(path: string, cause?: unknown): DashboardError {
  return new DashboardError(
    'LS_DASHBOARD_WAREHOUSE_MISSING',
    `the warehouse ${path} does not exist yet: load silver into it (warehouse loader) and run \`dbt build\``,
    { retryable: true, cause, details: { path } },
  );
}

/**
 * The DuckDB warehouse, read-only. The loader and dbt write the same file and need its lock, so
 * the file is open only while queries run: the first concurrent query opens it, the last one to
 * finish closes it. Nothing is held between requests.
 */
export function openDuckdbWarehouse(options: DuckdbWarehouseOptions): Warehouse {
  const { path, queryTimeoutMs } = options;
  let session: Session | undefined;
  let closed = false;

  function release(current: Session): void {
    current.users -= 1;
    if (current.users > 0) return;
    if (session === current) session = undefined;
    current.instance.then(
      (instance) => instance.closeSync(),
      () => {},
    );
  }

  async function acquire(): Promise<{ current: Session; instance: DuckDBInstance }> {
    if (closed) {
      throw new DashboardError('LS_DASHBOARD_WAREHOUSE_UNAVAILABLE', 'the warehouse is closed');
    }
    if (session === undefined) {
      if (!existsSync(path)) throw missingWarehouse(path);
      session = { instance: DuckDBInstance.create(path, { ...OPEN_OPTIONS }), users: 0 };
    }
    const current = session;
    current.users += 1;
    try {
      return { current, instance: await current.instance };
    } catch (err) {
      // Every query waiting on this open gets the error; the next request tries afresh.
      if (session === current) session = undefined;
      release(current);
      throw classifyDuckdbError(err, path, 'open');
    }
  }

  return {
    dialect: duckdbDialect,
    location: path,
    async query(sql: string): Promise<Row[]> {
      const { current, instance } = await acquire();
      try {
        const connection = await instance.connect();
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          connection.interrupt();
        }, queryTimeoutMs);
        try {
          const reader = await connection.runAndReadAll(sql);
          return reader.getRowObjectsJS();
        } catch (err) {
          if (timedOut) {
            throw new DashboardError(
              'LS_DASHBOARD_QUERY_TIMEOUT',
              `a warehouse query took longer than ${queryTimeoutMs}ms`,
              { retryable: true, cause: err, details: { path } },
            );
          }
          throw classifyDuckdbError(err, path, 'query');
        } finally {
          clearTimeout(timer);
          connection.closeSync();
        }
      } finally {
        release(current);
      }
    },
    async close() {
      closed = true;
    },
  };
}
