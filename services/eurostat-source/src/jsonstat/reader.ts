/**
 * A JSON-stat 2.0 reader for Eurostat answers that never holds the answer's text, nor a JS object
 * per cell.
 *
 * Eurostat writes `value` and `status` before `id`, `size` and `dimension`, so the position a
 * linear index stands for is unknown while the cells go by. The reader makes two passes over the
 * saved file (plain or gzip) rather than buffering the cells:
 * - pass 1 reads the whole text once: checks it is JSON to the last byte (a truncated download
 *   fails here, before any row is handed out), parses the small members (ids, sizes, dimensions,
 *   extension), surveys `value` without keeping it (entries, largest index, whether the keys
 *   ascend, duplicates among ascending keys) and keeps `status` compactly (9 bytes a flagged cell:
 *   flags are a minority of cells);
 * - the structure is then checked (sizes against ids and categories, every index in range);
 * - pass 2 reads `value` again, from its first byte to its last only, and hands out columnar
 *   batches of observed cells with their category positions.
 * Memory is the dimensions, the flagged cells' 9 bytes each, one batch and a 1 MiB read window,
 * whatever the number of cells. Buffering the values instead (16 bytes a cell) would cost 160 MB
 * for 10 million cells and grow with the answer; the second pass costs one more read of `value`
 * (and a gunzip of the text before it), which is cheaper than that much memory traffic.
 */
import { type CellBatch, readCellBatches } from './cells.js';
import { type JsonStatDataset, resolveDataset } from './dataset.js';
import { JsonStatError } from './errors.js';
import { type Survey, surveyAnswer } from './survey.js';

/** Rows per batch unless asked otherwise. */
export const DEFAULT_BATCH_SIZE = 65_536;

/** Most positions a single status string (which flags every position) may expand to. */
const MAX_UNIFORM_STATUS_POSITIONS = 50_000_000;

/** One observed cell in long format, for callers that want rows rather than batches. */
export interface JsonStatRow {
  /** Category codes, in the order of `dataset.ids`. */
  codes: string[];
  value: number | null;
  status: string | null;
}

/** An answer read and checked (pass 1), ready to hand out its cells (pass 2, as often as asked). */
export interface JsonStatReader {
  dataset: JsonStatDataset;
  /** Columnar batches of observed cells (a value, or a status only); each call reads `value` again. */
  batches(options?: { batchSize?: number }): AsyncGenerator<CellBatch>;
  /** The same cells one object each: convenient, and slower – for small answers and tests. */
  rows(): AsyncGenerator<JsonStatRow>;
}

/**
 * Reads and checks `file` (a JSON-stat 2.0 dataset, plain or gzip); throws a `JsonStatError`.
 * `chunkBytes` sets the read size (1 MiB; tests make it tiny to cut every token across reads).
 */
export async function openJsonStat(
  file: string,
  options: { chunkBytes?: number } = {},
): Promise<JsonStatReader> {
  const { chunkBytes } = options;
  const survey = await surveyAnswer(file, chunkBytes);
  const dataset = resolveDataset(survey);
  expandUniformStatus(survey, dataset);
  dataset.statusFlags = survey.statuses.flags;
  return {
    dataset,
    batches: (options = {}) =>
      readCellBatches(survey, dataset, options.batchSize ?? DEFAULT_BATCH_SIZE, chunkBytes),
    rows: () => rowsOf(survey, dataset, chunkBytes),
  };
}

async function* rowsOf(
  survey: Survey,
  dataset: JsonStatDataset,
  chunkBytes: number | undefined,
): AsyncGenerator<JsonStatRow> {
  const categories = dataset.dimensions.map((d) => d.categories.map((c) => c.code));
  for await (const batch of readCellBatches(survey, dataset, DEFAULT_BATCH_SIZE, chunkBytes)) {
    for (let i = 0; i < batch.length; i++) {
      const value = batch.value[i] as number;
      const code = batch.status[i] as number;
      yield {
        codes: batch.coords.map((c, d) => categories[d]?.[c[i] as number] as string),
        value: Number.isNaN(value) ? null : value,
        status: code === 0 ? null : (dataset.statusFlags[code] as string),
      };
    }
  }
}

/** A `status` given as one string flags every position: held like any other status. */
function expandUniformStatus(survey: Survey, dataset: JsonStatDataset): void {
  const flag = survey.uniformStatus;
  if (flag === undefined) return;
  if (dataset.positions > MAX_UNIFORM_STATUS_POSITIONS) {
    throw new JsonStatError(
      'LS_JSONSTAT_UNSUPPORTED',
      `one status for all ${dataset.positions} positions (at most ${MAX_UNIFORM_STATUS_POSITIONS})`,
      { file: survey.file, offset: survey.memberAt.status },
    );
  }
  for (let i = 0; i < dataset.positions; i++) survey.statuses.cell(i, flag, 0);
}
