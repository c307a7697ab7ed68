export { type Checkpoint, CheckpointFile } from './checkpoint-store.js';
export { type CliCommand, parseCliArgs, type RuntimeSettings, USAGE } from './cli-options.js';
export { producerConfig } from './config.js';
export { CsvParseFramer } from './csv-parse-framer.js';
export {
  CSV_ENCODINGS,
  CSV_PARSERS,
  type CsvEncoding,
  type CsvParser,
  CsvSource,
  type CsvSourceOptions,
  parseEncoding,
} from './csv-source.js';
export { COMPONENT, deadLetterRecord } from './dead-letter.js';
export {
  exitCodeFor,
  PRODUCER_ERROR_CODES,
  ProducerError,
  type ProducerErrorCode,
} from './errors.js';
export type {
  EventSource,
  RowProblem,
  SourceEvent,
  SourceItem,
  SourceLevelProblem,
  SourceProblemCode,
  SourceProgress,
  SourceRejection,
} from './event-source.js';
export {
  FastCsvFramer,
  type FramedRecord,
  type FramerSink,
  type RecordFramer,
} from './fast-csv-framer.js';
export { type Clock, type PaceMode, Pacer, systemClock } from './pacer.js';
export {
  formatProgress,
  formatSummary,
  type ProgressSnapshot,
  type RunSummary,
} from './progress.js';
export {
  type InputResult,
  type ProducerRunContext,
  type ProducerRunResult,
  type ProducerSettings,
  runProducer,
} from './run-producer.js';
export {
  COMPRESSIONS,
  type Compression,
  maxUnacknowledgedRows,
  TopicEmitter,
  type TopicEmitterOptions,
} from './topic-emitter.js';
