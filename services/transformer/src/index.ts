export { type Announcer, type AnnouncerOptions, createAnnouncer } from './announcer.js';
export {
  type BuildOptions,
  type BuiltBatch,
  type BuiltFile,
  buildBatch,
  type LocalInput,
} from './batch-builder.js';
export { type Command, parseCommandLine, summaryLine, USAGE } from './cli.js';
export {
  DISCOVERY_MODES,
  type DiscoveryMode,
  storageUrlOf,
  type TransformerConfig,
  transformerConfig,
  workDirOf,
} from './config.js';
export {
  type BronzeObject,
  checkContiguous,
  committedOffsets,
  type Discovery,
  listCommittedObjects,
  objectsOfManifests,
  readManifestTopic,
  selectPending,
} from './discovery.js';
export { type DuckdbSession, type DuckdbSettings, openDuckdb } from './duckdb-session.js';
export { metricCode, TransformerError, type TransformerErrorCode } from './errors.js';
export { COMPONENT, type TransformerMetrics, withTransformerMetrics } from './metrics.js';
export { type BatchCounts, CHECK_NAMES, runQualityGate } from './quality-gate.js';
export { createSchedule, type Schedule } from './schedule.js';
export { mapLimit, readSilverState, type SilverState } from './silver-state.js';
export {
  copyTableSql,
  createTableSql,
  createTypedSql,
  createWinnersSql,
  EVENT_FIELDS,
  insertTypedSql,
  type ReadMode,
  SESSION_SETUP,
  selectRawSql,
} from './star-schema-sql.js';
export {
  type BatchOutcome,
  createTransformer,
  type EmptyOutcome,
  type PublishedOutcome,
  type Transformer,
  type TransformerOptions,
  type TransformerSettings,
} from './transformer.js';
export { createWorker, type Worker, type WorkerSettings } from './worker.js';
