import { describe, expect, it } from 'vitest';
import type { CellBatch } from '../src/jsonstat/cells.js';
import {
  allPassed,
  CHECK_NAMES,
  evaluateChecks,
  isKnownStatus,
  rowChangeCheck,
} from '../src/quality/checks.js';
import { CellTally } from '../src/quality/tally.js';

/** geo (3: DE, FR, LI – LI reported with no data) × time (2): 6 positions, 4 that may hold data. */
const DATASET = {
  ids: ['geo', 'time'],
  sizes: [3, 2],
  positions: 6,
  dimensions: [
    {
      id: 'geo',
      label: 'Geo',
      categories: ['DE', 'FR', 'LI'].map((code, position) => ({ code, label: code, position })),
    },
    {
      id: 'time',
      label: 'Time',
      categories: ['2020', '2021'].map((code, position) => ({ code, label: code, position })),
    },
  ],
  statusFlags: ['', 'p', 'ep', 'x'],
  positionsWithNoData: { geo: [2], time: [] },
};

function batch(cells: [index: number, value: number, status: number][]): CellBatch {
  return {
    length: cells.length,
    index: Float64Array.from(cells.map((c) => c[0])),
    value: Float64Array.from(cells.map((c) => c[1])),
    status: Uint8Array.from(cells.map((c) => c[2])),
    coords: [
      Uint32Array.from(cells.map((c) => Math.floor(c[0] / 2))),
      Uint32Array.from(cells.map((c) => c[0] % 2)),
    ],
  };
}

const gate = (tally: CellTally, previousRows: number | null = null, duplicate?: string) =>
  evaluateChecks({
    tally: tally.finish(),
    previousRows,
    maxRowChangeRatio: 0.5,
    duplicateKeysFromIndex: duplicate,
  });
const byName = (checks: ReturnType<typeof gate>) =>
  Object.fromEntries(checks.map((c) => [c.check, c]));

describe('quality gate', () => {
  it('passes a clean version and reports every check with its numbers, in order', () => {
    const tally = new CellTally(DATASET);
    tally.add(
      batch([
        [0, 1.5, 0],
        [1, Number.NaN, 1],
      ]),
    );
    tally.add(batch([[3, 2, 2]]));
    const checks = gate(tally, 4);
    expect(checks.map((c) => c.check)).toEqual([...CHECK_NAMES]);
    expect(allPassed(checks)).toBe(true);
    const c = byName(checks);
    expect(c.cells).toMatchObject({ expected: 4, found: 3 });
    expect(c.cells?.detail).toContain(
      '3 observed cells, at most 4 (6 positions by the sizes, 2 on categories reported with no data)',
    );
    expect(c.index_range).toMatchObject({ expected: '0…5', found: 0 });
    expect(c.unique_keys).toMatchObject({ expected: 0, found: 0 });
    expect(c.status_flags).toMatchObject({ found: 0 });
    expect(c.row_change).toMatchObject({ expected: '2…6', found: 3 });
  });

  it('fails cells on a cell at a category reported with no data', () => {
    const tally = new CellTally(DATASET);
    tally.add(
      batch([
        [0, 1, 0],
        [4, 2, 0],
        [5, 3, 0],
      ]),
    );
    const c = byName(gate(tally));
    expect(c.cells).toMatchObject({ passed: false, expected: 4, found: 3 });
    expect(c.cells?.detail).toContain('2 observed on a category reported with no data');
  });

  it('fails index_range and unique_keys with the indices at fault', () => {
    const tally = new CellTally(DATASET);
    tally.add(
      batch([
        [1, 1, 0],
        [1, 2, 0],
        [6, 3, 0],
      ]),
    );
    const c = byName(gate(tally));
    expect(c.index_range).toMatchObject({ passed: false, found: 1 });
    expect(c.index_range?.detail).toContain('first 6');
    expect(c.unique_keys).toMatchObject({ passed: false, found: 1 });
  });

  it('fails unique_keys on a category code twice in a dimension, or a key the primary key refused', () => {
    const twice = {
      ...DATASET,
      dimensions: [
        DATASET.dimensions[0] as (typeof DATASET.dimensions)[0],
        {
          id: 'time',
          label: 'Time',
          categories: ['2020', '2020'].map((code, position) => ({ code, label: code, position })),
        },
      ],
    };
    const c = byName(gate(new CellTally(twice)));
    expect(c.unique_keys).toMatchObject({ passed: false, found: 1 });
    expect(c.unique_keys?.detail).toContain('time:2020');
    const k = byName(
      gate(new CellTally(DATASET), null, 'Key (geo, time)=(DE, 2020) is duplicated.'),
    );
    expect(k.unique_keys?.passed).toBe(false);
    expect(k.unique_keys?.detail).toContain('(DE, 2020)');
  });

  it('fails status_flags on an unknown flag with its cells, and ignores unused ones', () => {
    const tally = new CellTally(DATASET);
    tally.add(
      batch([
        [0, 1, 3],
        [1, 1, 3],
        [2, 1, 1],
      ]),
    );
    const c = byName(gate(tally));
    expect(c.status_flags).toMatchObject({ passed: false, found: 'x' });
    expect(c.status_flags?.detail).toBe("2 cells flagged with unknown flags: 'x' ×2");
    const unused = new CellTally(DATASET);
    unused.add(batch([[0, 1, 1]]));
    expect(byName(gate(unused)).status_flags?.passed).toBe(true);
  });

  it('knows Eurostat flags and their combinations', () => {
    for (const flag of [
      'b',
      'c',
      'd',
      'e',
      'f',
      'i',
      'm',
      'n',
      'p',
      'r',
      's',
      'u',
      'z',
      'C',
      'N',
      'P',
      'bp',
      'ep',
      'bep',
    ]) {
      expect(isKnownStatus(flag), flag).toBe(true);
    }
    for (const flag of ['', 'x', ':', 'pp', 'p ', 'q'])
      expect(isKnownStatus(flag), flag).toBe(false);
  });

  it('bounds the row-count change against the previous version', () => {
    expect(rowChangeCheck(100, null, 0.5)).toMatchObject({ passed: true, expected: null });
    expect(rowChangeCheck(150, 100, 0.5)).toMatchObject({ passed: true, expected: '50…150' });
    expect(rowChangeCheck(151, 100, 0.5)).toMatchObject({ passed: false, found: 151 });
    const shrink = rowChangeCheck(40, 100, 0.5);
    expect(shrink).toMatchObject({ passed: false, expected: '50…150', found: 40 });
    expect(shrink.detail).toBe('40 rows against 100 before (-60.0 %, allowed ±50.0 %)');
  });
});
