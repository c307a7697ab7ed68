import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/**
 * The closed list of codes of the managed-export reader: errors it raises, and the two metadata
 * warnings it passes to `onWarning` and reads on. Bad records are not errors: they are reported
 * through `onBadRecord` and skipped. Object-store failures keep their own codes.
 */
export const MANAGED_EXPORT_ERROR_CODES = [
  /** The location holds no managed export: no `export_metadata` and no `output-N` file. */
  'LS_MANAGED_EXPORT_NOT_FOUND',
  /** The location holds several exports (several `*.overall_export_metadata`): name one of them. */
  'LS_MANAGED_EXPORT_AMBIGUOUS',
  /** Warning: an `overall_export_metadata` or `export_metadata` file is empty or does not parse; its files are found by listing. */
  'LS_MANAGED_EXPORT_METADATA_INVALID',
  /** Warning: an `output-N` file no export metadata names; it is read too. */
  'LS_MANAGED_EXPORT_METADATA_INCOMPLETE',
  /** A metadata file names an output file (or kind metadata) that is not there. */
  'LS_MANAGED_EXPORT_OUTPUT_MISSING',
] as const;

/** One of `MANAGED_EXPORT_ERROR_CODES`. */
export type ManagedExportErrorCode = (typeof MANAGED_EXPORT_ERROR_CODES)[number];

/** An error of the managed-export reader: a stable code and the original cause. */
export class ManagedExportError extends LakestreamError {
  declare readonly code: ManagedExportErrorCode;

  constructor(code: ManagedExportErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}
