import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** Stable codes of the errors the dashboard raises and returns in its JSON error bodies. */
export type DashboardErrorCode =
  /** The DuckDB warehouse file does not exist (yet): nothing was loaded. */
  | 'LS_DASHBOARD_WAREHOUSE_MISSING'
  /** Another process (the loader, dbt) holds the DuckDB file's write lock right now. */
  | 'LS_DASHBOARD_WAREHOUSE_LOCKED'
  /** The warehouse cannot be reached or opened (network, permissions, a damaged file). */
  | 'LS_DASHBOARD_WAREHOUSE_UNAVAILABLE'
  /** A gold table (or its schema / dataset) does not exist: `dbt build` has not run yet. */
  | 'LS_DASHBOARD_GOLD_MISSING'
  /** A warehouse query took longer than `DASHBOARD_QUERY_TIMEOUT`. */
  | 'LS_DASHBOARD_QUERY_TIMEOUT'
  /** A query failed or returned rows that do not follow the gold contract. */
  | 'LS_DASHBOARD_QUERY_FAILED'
  /** No such page or API endpoint. */
  | 'LS_DASHBOARD_NOT_FOUND';

/** An error of the dashboard: a stable code, a retryable flag and the original cause. */
export class DashboardError extends LakestreamError {
  declare readonly code: DashboardErrorCode;

  constructor(code: DashboardErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

const HTTP_STATUS: Readonly<Record<DashboardErrorCode, number>> = {
  LS_DASHBOARD_WAREHOUSE_MISSING: 503,
  LS_DASHBOARD_WAREHOUSE_LOCKED: 503,
  LS_DASHBOARD_WAREHOUSE_UNAVAILABLE: 503,
  LS_DASHBOARD_GOLD_MISSING: 503,
  LS_DASHBOARD_QUERY_TIMEOUT: 503,
  LS_DASHBOARD_QUERY_FAILED: 500,
  LS_DASHBOARD_NOT_FOUND: 404,
};

/** The HTTP status an error is answered with: 503 while the warehouse is not usable, 500 for a bug. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof DashboardError) return HTTP_STATUS[err.code];
  return 500;
}

/** The JSON body of an error answer: `{ error: { code, message, retryable } }`. */
export interface ErrorBody {
  error: { code: string; message: string; retryable: boolean };
}

/** The error as its JSON body; errors without a stable code become `LS_DASHBOARD_QUERY_FAILED`. */
export function errorBodyOf(err: unknown): ErrorBody {
  if (err instanceof DashboardError) {
    return { error: { code: err.code, message: err.message, retryable: err.retryable } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { error: { code: 'LS_DASHBOARD_QUERY_FAILED', message, retryable: false } };
}
