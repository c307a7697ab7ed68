import { ByteSource } from './byte-source.js';
import { CELL_NUMBER, CellScanner, type CellSink } from './cell-scanner.js';
import type { JsonStatDataset } from './dataset.js';
import { JsonStatError } from './errors.js';
import type { StatusTable } from './status-table.js';
import type { Survey } from './survey.js';

/**
 * Observed cells, columnar: row `i` is the cell at linear index `index[i]`, at category position
 * `coords[d][i]` of dimension `d`, with `value[i]` (NaN where the cell has only a status: JSON
 * has no NaN, so NaN is never a value) and status code `status[i]` (0 for none, else
 * `dataset.statusFlags[code]`). Each batch owns its arrays.
 */
export interface CellBatch {
  length: number;
  index: Float64Array;
  value: Float64Array;
  status: Uint8Array;
  coords: Uint32Array[];
}

/** Most positions a duplicate check over out-of-order value keys may track (one bit each). */
const MAX_BITMAP_POSITIONS = 2 ** 31;

/**
 * Pass 2 rows: joins each value with its status (a moving cursor when the keys ascend, as
 * Eurostat writes them; else a binary search and a bitmap of positions for duplicates) and puts
 * status-only cells in their place.
 */
class BatchBuilder implements CellSink {
  private batch: CellBatch;
  private cursor = 0;
  private pendingIndex = -1;
  private pendingValue = Number.NaN;
  private pendingAt = 0;
  /** The category positions of `lastIndex`, the last row pushed. */
  private readonly position: Float64Array;
  private lastIndex = -1;
  private readonly seen: Uint8Array | undefined;
  private readonly matched: Uint8Array | undefined;

  constructor(
    private readonly file: string,
    private readonly sizes: number[],
    private readonly statuses: StatusTable,
    private readonly ascending: boolean,
    private readonly batchSize: number,
    positions: number,
  ) {
    this.batch = this.newBatch();
    this.position = new Float64Array(sizes.length);
    if (!ascending) {
      if (positions > MAX_BITMAP_POSITIONS) {
        throw new JsonStatError(
          'LS_JSONSTAT_UNSUPPORTED',
          `value keys out of order over ${positions} positions: too many to check for duplicates`,
          { file },
        );
      }
      this.seen = new Uint8Array(Math.ceil(positions / 8));
      this.matched = new Uint8Array(statuses.length);
    }
  }

  get full(): boolean {
    return this.batch.length === this.batchSize;
  }

  cell(index: number, _text: string | null, at: number): boolean {
    this.pendingIndex = index;
    this.pendingValue = CELL_NUMBER[0] as number;
    this.pendingAt = at;
    return this.drain();
  }

  /** Emits what is pending; false when the batch filled up (take it and drain again). */
  drain(): boolean {
    if (this.pendingIndex < 0) return !this.full;
    const index = this.pendingIndex;
    const statuses = this.statuses;
    let code = 0;
    if (this.ascending) {
      while (this.cursor < statuses.length && (statuses.index[this.cursor] as number) < index) {
        if (this.full) return false;
        this.push(
          statuses.index[this.cursor] as number,
          Number.NaN,
          statuses.code[this.cursor] as number,
        );
        this.cursor++;
      }
      if (this.full) return false;
      if (this.cursor < statuses.length && statuses.index[this.cursor] === index) {
        code = statuses.code[this.cursor] as number;
        this.cursor++;
      }
    } else {
      if (this.full) return false;
      const seen = this.seen as Uint8Array;
      const bit = 1 << (index % 8);
      const byte = Math.floor(index / 8);
      if ((seen[byte] as number) & bit) {
        throw new JsonStatError('LS_JSONSTAT_DUPLICATE_INDEX', 'a value index appears twice', {
          file: this.file,
          offset: this.pendingAt,
          index,
        });
      }
      seen[byte] = (seen[byte] as number) | bit;
      const at = statuses.lowerBound(index);
      if (at < statuses.length && statuses.index[at] === index) {
        code = statuses.code[at] as number;
        (this.matched as Uint8Array)[at] = 1;
      }
    }
    if (!Number.isNaN(this.pendingValue) || code !== 0) this.push(index, this.pendingValue, code);
    this.pendingIndex = -1;
    return !this.full;
  }

  /** After the last value: the status-only cells left; false when the batch filled up. */
  finish(): boolean {
    if (!this.drain()) return false;
    const statuses = this.statuses;
    while (this.cursor < statuses.length) {
      if (this.matched === undefined || this.matched[this.cursor] === 0) {
        if (this.full) return false;
        this.push(
          statuses.index[this.cursor] as number,
          Number.NaN,
          statuses.code[this.cursor] as number,
        );
      }
      this.cursor++;
    }
    return true;
  }

  /** The rows so far, as a batch of their own; the builder starts a new one. */
  take(): CellBatch {
    const done = this.batch;
    this.batch = this.newBatch();
    if (done.length === this.batchSize) return done;
    return {
      length: done.length,
      index: done.index.slice(0, done.length),
      value: done.value.slice(0, done.length),
      status: done.status.slice(0, done.length),
      coords: done.coords.map((c) => c.slice(0, done.length)),
    };
  }

  get length(): number {
    return this.batch.length;
  }

  private push(index: number, value: number, code: number): void {
    const batch = this.batch;
    const row = batch.length++;
    batch.index[row] = index;
    batch.value[row] = value;
    batch.status[row] = code;
    const sizes = this.sizes;
    const at = this.position;
    const step = index - this.lastIndex;
    if (step >= 0 && this.lastIndex >= 0) {
      // Keys mostly ascend by small steps: carry the step through the positions like an
      // odometer instead of dividing the index by every size.
      let d = sizes.length - 1;
      let next = (at[d] as number) + step;
      while (next >= (sizes[d] as number) && d > 0) {
        const size = sizes[d] as number;
        const carry = Math.floor(next / size);
        at[d] = next - carry * size;
        d--;
        next = (at[d] as number) + carry;
      }
      at[d] = next;
    } else {
      let rest = index;
      for (let d = sizes.length - 1; d >= 0; d--) {
        const size = sizes[d] as number;
        const position = rest % size;
        at[d] = position;
        rest = (rest - position) / size;
      }
    }
    this.lastIndex = index;
    const coords = batch.coords;
    for (let d = 0; d < at.length; d++) (coords[d] as Uint32Array)[row] = at[d] as number;
  }

  private newBatch(): CellBatch {
    const n = this.batchSize;
    return {
      length: 0,
      index: new Float64Array(n),
      value: new Float64Array(n),
      status: new Uint8Array(n),
      coords: this.sizes.map(() => new Uint32Array(n)),
    };
  }
}

/**
 * Pass 2: reads `value` again from its first byte (a gzip answer is decompressed from the start
 * and its text before `value` skipped) and stops at its end: the members after it were read in
 * pass 1. Yields batches of at most `batchSize` observed cells.
 */
export async function* readCellBatches(
  survey: Survey,
  dataset: JsonStatDataset,
  batchSize: number,
  chunkBytes?: number,
): AsyncGenerator<CellBatch> {
  const values = survey.values;
  if (values === undefined) return;
  const builder = new BatchBuilder(
    survey.file,
    dataset.sizes,
    survey.statuses,
    values.ascending,
    batchSize,
    dataset.positions,
  );
  const src = await ByteSource.open(survey.file, values.bodyAt, chunkBytes);
  try {
    const scanner = new CellScanner(src, 'number', values.shape, builder);
    for (;;) {
      const step = scanner.step();
      if (step === 'more') {
        await src.fill();
        continue;
      }
      while (!builder.drain()) yield builder.take();
      if (step === 'done') break;
    }
  } finally {
    src.close();
  }
  while (!builder.finish()) yield builder.take();
  if (builder.length > 0) yield builder.take();
}
