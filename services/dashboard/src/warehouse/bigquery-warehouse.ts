import { BigQuery } from '@google-cloud/bigquery';
import { DashboardError } from '../errors.js';
import { bigqueryDialect, type Row, type Warehouse } from './warehouse.js';

/** Options of `openBigqueryWarehouse`. */
export interface BigqueryWarehouseOptions {
  /** Google Cloud project the queries run in and the dataset belongs to. */
  project: string;
  /** Dataset of the gold tables. */
  dataset: string;
  /** BigQuery emulator base URL instead of Google Cloud. */
  emulatorHost?: string;
  /** Longest one query may run. */
  queryTimeoutMs: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** A BigQuery client error as the dashboard's error. */
export function classifyBigqueryError(err: unknown, location: string): DashboardError {
  if (err instanceof DashboardError) return err;
  const { code, message = String(err) } = (err ?? {}) as { code?: unknown; message?: string };
  const causeCode = ((err as { cause?: { code?: unknown } })?.cause?.code ?? code) as unknown;
  // BigQuery: 404 "Not found: Table p:d.t"; the emulator: "Table not found: `p.d.t`".
  if (/Not found: (Table|Dataset)|(Table|Dataset) not found/i.test(message)) {
    return new DashboardError(
      'LS_DASHBOARD_GOLD_MISSING',
      `the gold layer is not built in ${location} (${message.split('\n')[0]}): run \`dbt build\``,
      { retryable: true, cause: err, details: { location } },
    );
  }
  const status = typeof code === 'number' ? code : undefined;
  if (
    (typeof causeCode === 'string' && NETWORK_CODES.has(causeCode)) ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    /fetch failed|socket hang up/i.test(message)
  ) {
    return new DashboardError(
      'LS_DASHBOARD_WAREHOUSE_UNAVAILABLE',
      `BigQuery (${location}) cannot be reached: ${message.split('\n')[0]}`,
      { retryable: true, cause: err, details: { location } },
    );
  }
  if (status === 401 || status === 403 || status === 404) {
    return new DashboardError(
      'LS_DASHBOARD_WAREHOUSE_UNAVAILABLE',
      `BigQuery (${location}) refused the query: ${message.split('\n')[0]}`,
      { cause: err, details: { location } },
    );
  }
  return new DashboardError(
    'LS_DASHBOARD_QUERY_FAILED',
    `query failed: ${message.split('\n')[0]}`,
    {
      cause: err,
      details: { location },
    },
  );
}

/** The gold tables in a BigQuery dataset (or on the BigQuery emulator). */
export function openBigqueryWarehouse(options: BigqueryWarehouseOptions): Warehouse {
  const { project, dataset, queryTimeoutMs } = options;
  const location = `${project}.${dataset}`;
  const client = new BigQuery({
    projectId: project,
    // A page is waiting: one quick retry, then the page says the warehouse is unreachable.
    maxRetries: 1,
    ...(options.emulatorHost === undefined ? {} : { apiEndpoint: options.emulatorHost }),
  });
  return {
    dialect: bigqueryDialect(project, dataset),
    location,
    async query(sql: string): Promise<Row[]> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new DashboardError(
                'LS_DASHBOARD_QUERY_TIMEOUT',
                `a warehouse query took longer than ${queryTimeoutMs}ms`,
                { retryable: true, details: { location } },
              ),
            ),
          queryTimeoutMs,
        );
      });
      try {
        const [rows] = await Promise.race([
          client.query({ query: sql, useLegacySql: false, jobTimeoutMs: queryTimeoutMs }),
          timeout,
        ]);
        return rows as Row[];
      } catch (err) {
        throw classifyBigqueryError(err, location);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {},
  };
}
