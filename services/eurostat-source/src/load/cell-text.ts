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

/** Encodes batches of one dataset; the category codes are looked up, not re-encoded per row. */
export class CellText {
  private readonly codes: string[][];
  private readonly flags: string[];

  /** Throws RangeError naming the dimension and code that cannot be a field. */
  constructor(dataset: Pick<JsonStatDataset, 'dimensions' | 'statusFlags'>) {
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
  }

  /** The batch's lines, each ending with `\n`. */
  encode(batch: CellBatch): string {
    const { length, value, status, coords } = batch;
    const codes = this.codes;
    const dimensions = codes.length;
    let out = '';
    for (let i = 0; i < length; i++) {
      for (let d = 0; d < dimensions; d++) {
        out += `${(codes[d] as string[])[(coords[d] as Uint32Array)[i] as number]}\t`;
      }
      const v = value[i] as number;
      out += `${Number.isNaN(v) ? NULL_TEXT : String(v)}\t${this.flags[status[i] as number]}\n`;
    }
    return out;
  }
}
