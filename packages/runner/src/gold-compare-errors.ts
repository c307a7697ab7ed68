import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** The closed list of codes the gold comparison raises (dbt/README.md documents each). */
export const GOLD_COMPARE_ERROR_CODES = [
  /** dbt's manifest.json is missing, does not parse, or names no unique key for a gold table. */
  'LS_GOLD_COMPARE_MANIFEST_INVALID',
  /** A gold table cannot be read from the DuckDB warehouse (file missing, table missing). */
  'LS_GOLD_COMPARE_DUCKDB_FAILED',
  /** A BigQuery query failed or BigQuery could not be reached; retryable when BigQuery said so. */
  'LS_GOLD_COMPARE_BIGQUERY_FAILED',
  /** No access token for Google's BigQuery (not the emulator): none given and no metadata server. */
  'LS_GOLD_COMPARE_NO_CREDENTIALS',
  /** A column type the comparison has no rule for. */
  'LS_GOLD_COMPARE_TYPE_UNSUPPORTED',
] as const;

/** One of `GOLD_COMPARE_ERROR_CODES`. */
export type GoldCompareErrorCode = (typeof GOLD_COMPARE_ERROR_CODES)[number];

/** An error of the gold comparison: a stable code, a retryable flag and the original cause. */
export class GoldCompareError extends LakestreamError {
  declare readonly code: GoldCompareErrorCode;

  constructor(code: GoldCompareErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}
