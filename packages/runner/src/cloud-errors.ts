import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** The closed list of codes the cloud run raises (packages/runner/README.md documents each). */
export const CLOUD_RUN_ERROR_CODES = [
  /** The cloud run's configuration is unusable: the lake is not gs://, no BigQuery project. */
  'LS_RUNNER_CLOUD_CONFIG_INVALID',
  /** The lake's bucket does not exist and could not be created (fake-gcs-server) or checked. */
  'LS_RUNNER_CLOUD_BUCKET_FAILED',
  /** A BigQuery query or job listing failed, or BigQuery could not be reached (retryable when BigQuery said so). */
  'LS_RUNNER_BIGQUERY_FAILED',
  /** No access token for Google's BigQuery: none given and no metadata server. */
  'LS_RUNNER_BIGQUERY_NO_CREDENTIALS',
] as const;

/** One of `CLOUD_RUN_ERROR_CODES`. */
export type CloudRunErrorCode = (typeof CLOUD_RUN_ERROR_CODES)[number];

/** An error of the cloud run: a stable code, a retryable flag and the original cause. */
export class RunnerError extends LakestreamError {
  declare readonly code: CloudRunErrorCode;

  constructor(code: CloudRunErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}
