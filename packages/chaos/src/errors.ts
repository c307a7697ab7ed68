import { LakestreamError } from '@lakestream/config';

/** Error codes of the fault suite; each is documented in packages/chaos/README.md. */
export const CHAOS_ERROR_CODES = [
  /** The private stack could not be started, or a stopped service could not be started again as it was. */
  'LS_CHAOS_STACK_FAILED',
  /** A pipeline stage did not finish its work within the settle time (named in the message). */
  'LS_CHAOS_NOT_SETTLED',
  /** A one-shot step (producer part, dbt build) failed. */
  'LS_CHAOS_STEP_FAILED',
] as const;

/** One of `CHAOS_ERROR_CODES`. */
export type ChaosErrorCode = (typeof CHAOS_ERROR_CODES)[number];

/** A failure of the driver itself (not a finding about the pipeline, which the report carries). */
export class ChaosError extends LakestreamError {
  constructor(code: ChaosErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
