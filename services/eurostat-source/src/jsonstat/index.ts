export type { CellBatch } from './cells.js';
export type { JsonStatCategory, JsonStatDataset, JsonStatDimension } from './dataset.js';
export {
  JSONSTAT_ERROR_CODES,
  JsonStatError,
  type JsonStatErrorCode,
  type JsonStatErrorPlace,
} from './errors.js';
export { type GeneratedAnswer, type GenerateOptions, generateAnswer } from './generate.js';
export {
  DEFAULT_BATCH_SIZE,
  type JsonStatReader,
  type JsonStatRow,
  openJsonStat,
} from './reader.js';
