/**
 * A batch of cells as tab-separated lines – category codes, value, flag – in PostgreSQL's COPY
 * text form, which DuckDB reads as plain tab-separated text too: one encoding serves both the
 * PostgreSQL load and the Parquet file, built once per batch.
 *
 * The two readers agree on every line only while no code or flag holds a tab, a line break or a
 * backslash (COPY would want those escaped, DuckDB would not unescape them). Eurostat's codes are
 * letters, digits, `_`, `-` and `.`, so such a code is refused rather than escaped.
 */
import type { CellBatch } from '../jsonstat/cells.js';
import type { JsonStatDataset } from '../jsonstat/dataset.js';

/** PostgreSQL's COPY text null, read by DuckDB with `nullstr`. */
export const NULL_TEXT = '\\N';

const UNSAFE = /[\t\n\r\\]/;

/** Why `text` cannot be a field, or undefined when it can. */
export function unsafeField(text: string): string | undefined {
  return UNSAFE.test(text) ? JSON.stringify(text) : undefined;
}

/**
 * Which file a cell's line goes to: slice `floor(position / perSlice)` of the category position in
 * `dimension`. The Parquet side is partitioned by time and writes one slice of periods per pass
 * (see silver-parquet.ts), so the lines are split by time slice as they are encoded.
 */
export interface CellSlicing {
  dimension: number;
  perSlice: number;
}

/** Encodes batches of one dataset; the category codes are looked up, not re-encoded per row. */
export class CellText {
  private readonly codes: string[][];
  private readonly flags: string[];
  /** Slice of each category position of the slicing dimension (all 0 without slicing). */
  private readonly sliceOf: Uint32Array;
  private readonly sliceDimension: number;
  /** How many slices `encode` returns. */
  readonly slices: number;

  /** Throws RangeError naming the dimension and code that cannot be a field. */
  constructor(dataset: Pick<JsonStatDataset, 'dimensions' | 'statusFlags'>, slicing?: CellSlicing) {
    this.codes = dataset.dimensions.map((d) =>
      d.categories.map((c) => {
        const bad = unsafeField(c.code);
        if (bad !== undefined) {
          throw new RangeError(
            `dimension '${d.id}' has category code ${bad} (tab, line break or backslash)`,
          );
        }
        return c.code;
      }),
    );
    this.flags = dataset.statusFlags.map((flag, code) => {
      if (code === 0) return NULL_TEXT;
      const bad = unsafeField(flag);
      if (bad !== undefined)
        throw new RangeError(`status flag ${bad} (tab, line break or backslash)`);
      return flag;
    });
    this.sliceDimension = slicing?.dimension ?? 0;
    const positions = this.codes[this.sliceDimension]?.length ?? 0;
    const perSlice = slicing === undefined ? Math.max(positions, 1) : slicing.perSlice;
    if (!(perSlice >= 1)) throw new RangeError(`perSlice ${perSlice} is not a positive count`);
    this.sliceOf = Uint32Array.from({ length: positions }, (_, p) => Math.floor(p / perSlice));
    this.slices = Math.max(1, Math.ceil(positions / perSlice));
  }

  /** The batch's lines, each ending with `\n`, by slice (`''` for a slice with none). */
  encode(batch: CellBatch): string[] {
    const { length, value, status, coords } = batch;
    const codes = this.codes;
    const dimensions = codes.length;
    const out = new Array<string>(this.slices).fill('');
    const sliceCoords = coords[this.sliceDimension] as Uint32Array;
    const sliceOf = this.sliceOf;
    for (let i = 0; i < length; i++) {
      let line = '';
      for (let d = 0; d < dimensions; d++) {
        line += `${(codes[d] as string[])[(coords[d] as Uint32Array)[i] as number]}\t`;
      }
      const v = value[i] as number;
      line += `${Number.isNaN(v) ? NULL_TEXT : String(v)}\t${this.flags[status[i] as number]}\n`;
      const s = sliceOf[sliceCoords[i] as number] as number;
      out[s] += line;
    }
    return out;
  }
}
