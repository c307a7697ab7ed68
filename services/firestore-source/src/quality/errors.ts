import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/**
 * The closed list of codes of the quality-report commands (`backfill`, `quality-events`). The
 * first group names bad input: each is the main reason of a dead letter on the quarantine topic.
 */
export const QUALITY_ERROR_CODES = [
  /** A record of the export whose masked CRC32C does not match its data (reader class crc_mismatch). */
  'LS_QUALITY_EXPORT_CRC_MISMATCH',
  /** A record cut by the end of its file or a broken fragment sequence (reader class truncated). */
  'LS_QUALITY_EXPORT_TRUNCATED',
  /** A property meaning or value type the reader does not know (reader class unknown_property_type). */
  'LS_QUALITY_EXPORT_UNKNOWN_PROPERTY_TYPE',
  /** A record that is not a parseable entity (reader class bad_entity). */
  'LS_QUALITY_EXPORT_BAD_ENTITY',
  /** A document under a `qualityReports` collection that is not at `teams/{teamId}/reports/{reportId}/qualityReports/{timestamp}` with a timestamp id. */
  'LS_QUALITY_OUTSIDE_PATTERN',
  /** `metrics` is not a map, or one of its five metrics is neither a number nor null. */
  'LS_QUALITY_BAD_METRIC',
  /** `createdAt` is present but not a timestamp. */
  'LS_QUALITY_BAD_CREATED_AT',
  /** No `createdAt` and no export snapshot time to fall back on (pass --snapshot-time). */
  'LS_QUALITY_NO_CREATED_AT',
  /** The mapped report fails the QualityReport schema. */
  'LS_QUALITY_SCHEMA',
  /** The export cannot be opened or read as a whole (missing folder, unreachable bucket). */
  'LS_QUALITY_EXPORT_UNREADABLE',
  /** Reports or dead letters could not be published to Kafka; retryable. */
  'LS_QUALITY_PUBLISH_FAILED',
  /** `--wait`: the bronze sink or the documents loader did not get past the run's records in time. */
  'LS_QUALITY_WAIT_TIMEOUT',
] as const;

/** One of `QUALITY_ERROR_CODES`. */
export type QualityErrorCode = (typeof QUALITY_ERROR_CODES)[number];

/** An error of the quality-report commands: a stable code, a retryable flag and the cause. */
export class QualityError extends LakestreamError {
  declare readonly code: QualityErrorCode;

  constructor(code: QualityErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}
