import type { CellSink } from './cell-scanner.js';
import { JsonStatError } from './errors.js';

/** Distinct status flags a dataset may use: codes are bytes, 0 meaning "no status". */
const MAX_FLAGS = 255;

/**
 * The statuses of a dataset, held compactly: linear index (Float64Array, exact to 2^53) and a
 * one-byte code per flagged cell – 9 bytes a flag. Eurostat flags a minority of cells, and they
 * arrive before the dimensions, so they are kept rather than read in a third pass; the values,
 * the bulk, are never held.
 */
export class StatusTable implements CellSink {
  /** Flag texts by code; `flags[0]` is the empty "no status". */
  readonly flags: string[] = [''];
  private readonly codes = new Map<string, number>();
  index = new Float64Array(1024);
  code = new Uint8Array(1024);
  /** Flagged cells held. */
  length = 0;
  /** The largest index and where it was read, for the range check once the sizes are known. */
  maxIndex = -1;
  maxIndexAt = 0;
  private ascending = true;

  constructor(private readonly file: string) {}

  /** The code of a flag, added to the dictionary when new. */
  codeOf(flag: string, at: number): number {
    let code = this.codes.get(flag);
    if (code === undefined) {
      if (this.flags.length > MAX_FLAGS) {
        throw new JsonStatError(
          'LS_JSONSTAT_UNSUPPORTED',
          `more than ${MAX_FLAGS} distinct status flags`,
          { file: this.file, offset: at },
        );
      }
      code = this.flags.length;
      this.flags.push(flag);
      this.codes.set(flag, code);
    }
    return code;
  }

  cell(index: number, text: string | null, at: number): boolean {
    if (text === null) return true;
    const last = this.length === 0 ? -1 : (this.index[this.length - 1] as number);
    if (index <= last) {
      if (index === last) throw this.duplicate(index, at);
      this.ascending = false;
    }
    if (index > this.maxIndex) {
      this.maxIndex = index;
      this.maxIndexAt = at;
    }
    if (this.length === this.index.length) {
      const index2 = new Float64Array(this.index.length * 2);
      index2.set(this.index);
      this.index = index2;
      const code2 = new Uint8Array(this.code.length * 2);
      code2.set(this.code);
      this.code = code2;
    }
    this.index[this.length] = index;
    this.code[this.length] = this.codeOf(text, at);
    this.length++;
    return true;
  }

  /**
   * Puts the statuses in index order when the file did not (JSON-stat allows any key order) and
   * refuses a duplicate index; after this, lookups are by binary search or a moving cursor.
   */
  finish(memberAt: number): void {
    if (this.ascending) return;
    const order = Array.from({ length: this.length }, (_, i) => i);
    const index = this.index;
    order.sort((a, b) => (index[a] as number) - (index[b] as number));
    const sortedIndex = new Float64Array(this.length);
    const sortedCode = new Uint8Array(this.length);
    for (let i = 0; i < this.length; i++) {
      sortedIndex[i] = index[order[i] as number] as number;
      sortedCode[i] = this.code[order[i] as number] as number;
      if (i > 0 && sortedIndex[i] === sortedIndex[i - 1]) {
        throw this.duplicate(sortedIndex[i] as number, memberAt);
      }
    }
    this.index = sortedIndex;
    this.code = sortedCode;
    this.ascending = true;
  }

  /** Position of the first held status at or after `index` (binary search). */
  lowerBound(index: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.index[mid] as number) < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private duplicate(index: number, at: number): JsonStatError {
    return new JsonStatError('LS_JSONSTAT_DUPLICATE_INDEX', 'a status index appears twice', {
      file: this.file,
      offset: at,
      index,
    });
  }
}
