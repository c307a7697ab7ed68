export {
  type AuditSink,
  type AuditSinkOptions,
  type AuditSinkSettings,
  createAuditSink,
} from './audit-sink.js';
export { readClusterId } from './cluster-id.js';
export { type AuditSinkConfig, auditSinkConfig } from './config.js';
export { COPY_COLUMNS, encodeCopyRows, escapeCopyText } from './copy-text.js';
export {
  COMPONENT,
  type DeadLetter,
  deadLetterRecord,
  publishDeadLetters,
} from './dead-letter.js';
export {
  type AuditRow,
  type DecodeResult,
  decodeMessage,
  isIsoTimestamp,
  type RawMessage,
  type Rejection,
  type RejectionCode,
} from './decode-message.js';
export {
  AUDIT_ERROR_CODES,
  AuditSinkError,
  type AuditSinkErrorCode,
  classifyPostgresError,
  sqlState,
} from './errors.js';
export {
  loadMigrations,
  MIGRATIONS_DIR,
  type MigrateOptions,
  type Migration,
  type MigrationResult,
  migrate,
} from './migrations.js';
export {
  type KeyConflict,
  OrderItemEventsWriter,
  type RejectedRow,
  type RowsSource,
  type WriteOutcome,
  type WriterOptions,
} from './order-item-events-writer.js';
export { connect, createPool, type PoolOptions, pingPostgres } from './postgres.js';
export { quoteIdent } from './quote-ident.js';
