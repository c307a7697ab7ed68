import { describe, expect, it } from 'vitest';
import type { CellBatch } from '../src/jsonstat/cells.js';
import { CellText } from '../src/load/cell-text.js';
import { keyColumns } from '../src/load/load-store.js';
import {
  MAX_SLICE_FILES,
  PERIODS_PER_PASS,
  parquetSlicing,
  versionFilePrefix,
} from '../src/load/silver-parquet.js';

const dimension = (id: string, codes: string[]) => ({
  id,
  label: id,
  categories: codes.map((code, position) => ({ code, label: code, position })),
});

describe('cells as COPY text', () => {
  it('writes codes, the value (\\N for a status-only cell) and the flag (\\N for none), one line a cell', () => {
    const text = new CellText({
      dimensions: [dimension('geo', ['DE', 'FR']), dimension('time', ['2020', '2021-Q1'])],
      statusFlags: ['', 'p', 'c'],
    });
    const batch: CellBatch = {
      length: 3,
      index: Float64Array.from([0, 1, 3]),
      value: Float64Array.from([1.5, Number.NaN, -2e-7]),
      status: Uint8Array.from([0, 2, 1]),
      coords: [Uint32Array.from([0, 0, 1]), Uint32Array.from([0, 1, 1])],
    };
    expect(text.encode(batch)).toEqual([
      'DE\t2020\t1.5\t\\N\nDE\t2021-Q1\t\\N\tc\nFR\t2021-Q1\t-2e-7\tp\n',
    ]);
  });

  it("splits the lines by slices of a dimension's positions, keeping their order in each", () => {
    const text = new CellText(
      {
        dimensions: [dimension('geo', ['DE', 'FR']), dimension('time', ['2019', '2020', '2021'])],
        statusFlags: [''],
      },
      { dimension: 1, perSlice: 2 },
    );
    expect(text.slices).toBe(2);
    const batch: CellBatch = {
      length: 5,
      index: Float64Array.from([0, 1, 2, 3, 5]),
      value: Float64Array.from([1, 2, 3, 4, 6]),
      status: new Uint8Array(5),
      coords: [Uint32Array.from([0, 0, 0, 1, 1]), Uint32Array.from([0, 1, 2, 0, 2])],
    };
    expect(text.encode(batch)).toEqual([
      'DE\t2019\t1\t\\N\nDE\t2020\t2\t\\N\nFR\t2019\t4\t\\N\n',
      'DE\t2021\t3\t\\N\nFR\t2021\t6\t\\N\n',
    ]);
    const categories = (n: number) => ({ categories: Array.from({ length: n }) });
    expect(parquetSlicing(['geo', 'time'], [categories(2), categories(500)])).toEqual({
      dimension: 1,
      perSlice: PERIODS_PER_PASS,
    });
    // 30 years of days: at most MAX_SLICE_FILES files, more periods in each
    const days = parquetSlicing(['geo', 'time'], [categories(2), categories(10_958)]);
    expect(Math.ceil(10_958 / days!.perSlice)).toBeLessThanOrEqual(MAX_SLICE_FILES);
    expect(parquetSlicing(['geo'], [categories(2)])).toBeUndefined();
  });

  it('refuses a code or flag that COPY and DuckDB would read differently, naming it', () => {
    expect(
      () => new CellText({ dimensions: [dimension('geo', ['DE', 'A\tB'])], statusFlags: [''] }),
    ).toThrow(`dimension 'geo' has category code "A\\tB"`);
    expect(
      () => new CellText({ dimensions: [dimension('geo', ['DE'])], statusFlags: ['', 'p\\'] }),
    ).toThrow('status flag "p\\\\"');
  });

  it('orders the key by category count, most first, ties in the dataset order', () => {
    expect(
      keyColumns(['freq', 'unit', 'sex', 'age', 'geo', 'time'], [1, 3, 3, 10, 400, 28]),
    ).toEqual(['geo', 'time', 'age', 'unit', 'sex', 'freq']);
  });

  it('names Parquet files by version', () => {
    expect(versionFilePrefix('2024-05-01T09:00:00Z')).toBe('v20240501T090000Z_');
  });
});
