export { encodeCsvLine, quoteCsvField } from './csv-line.js';
export {
  DEFAULT_ROWS,
  DEFAULT_SEED,
  type GenerateOptions,
  type GenerationSummary,
  generateOrderItems,
} from './generate-order-items.js';
export { PRODUCTS, type Product } from './product-catalog.js';
export { SeededRandom, WeightedChoice } from './seeded-random.js';
export {
  type CsvChunkOptions,
  type CsvSummary,
  generateCsvChunks,
  type WriteCsvOptions,
  writeCsv,
} from './write-csv.js';
