import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/**
 * The closed list of codes the gold comparison raises (dbt/README.md documents each). Reading
 * BigQuery fails with the runner's LS_RUNNER_BIGQUERY_* codes: one REST client, one set of codes.
 */
export const GOLD_COMPARE_ERROR_CODES = [
  /**
   * dbt's manifest.json is missing, does not parse, names no unique key for a gold table, or has a
   * gold model whose `exact_sum` calls cannot each be tied to a money column.
   */
  'LS_GOLD_COMPARE_MANIFEST_INVALID',
  /** A gold table cannot be read from the DuckDB warehouse (file missing, table missing). */
  'LS_GOLD_COMPARE_DUCKDB_FAILED',
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
