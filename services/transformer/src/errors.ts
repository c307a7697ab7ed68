import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** Stable codes of the errors the transformer raises (object-store errors keep their own). */
export type TransformerErrorCode =
  /** The command line does not parse. */
  | 'LS_TRANSFORMER_USAGE'
  /** Reading the manifest topic or the bronze sink's committed offsets failed or timed out. */
  | 'LS_TRANSFORMER_DISCOVERY_FAILED'
  /**
   * A bronze object's manifest does not start where the previous one of its partition ended: the
   * records between are missing from bronze (or announced twice). Nothing is published.
   */
  | 'LS_TRANSFORMER_BRONZE_GAP'
  /** A bronze object a manifest announces is not in the store. Nothing is published. */
  | 'LS_TRANSFORMER_BRONZE_MISSING'
  /** A published batch manifest in `silver/_batches/` does not parse: the state is unknown. */
  | 'LS_TRANSFORMER_STATE_INVALID'
  /** A hard data-quality failure: counts do not balance, a key is duplicated or a foreign key dangles. */
  | 'LS_TRANSFORMER_QUALITY_FAILED'
  /** DuckDB failed on something other than a bad bronze object. */
  | 'LS_TRANSFORMER_ENGINE_FAILED'
  /** The batch's manifest already exists: another run published this sequence first. */
  | 'LS_TRANSFORMER_BATCH_CONFLICT'
  /** Announcing a published batch failed after every retry (the batch stays published). */
  | 'LS_TRANSFORMER_ANNOUNCE_FAILED'
  /** The worker's Kafka consumer stopped for good. */
  | 'LS_TRANSFORMER_CONSUMER_CRASHED';

/** An error of the transformer: a stable code, a retryable flag and the original cause. */
export class TransformerError extends LakestreamError {
  declare readonly code: TransformerErrorCode;

  constructor(code: TransformerErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The errors counter's `code` label (shared by every service). */
export { errorMetricCode as metricCode } from '@lakestream/observability';
