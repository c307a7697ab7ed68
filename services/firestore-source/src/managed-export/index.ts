/**
 * The managed-export reader: a Firestore (or Datastore) managed export – LevelDB log files of
 * EntityProto records – read as a stream of documents, in bounded memory, without Google's
 * services. Bad input is reported through `onBadRecord` and skipped.
 */
export {
  MANAGED_EXPORT_ERROR_CODES,
  ManagedExportError,
  type ManagedExportErrorCode,
} from './errors.js';
export { readExportFacts, readManagedExport } from './read-export.js';
export {
  BAD_EXPORT_RECORD_CLASSES,
  type BadExportRecord,
  type BadExportRecordClass,
  type ExportDocument,
  type ExportFacts,
  type ExportWarning,
  type ReadManagedExportOptions,
} from './types.js';
