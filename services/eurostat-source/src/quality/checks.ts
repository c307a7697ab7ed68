/**
 * The data-quality gate a dataset version passes before it is published. Each check reports the
 * numbers it compared (expected, found), so a refused version says why in figures; a version is
 * published only when every check passes, otherwise the previous version stays.
 */
import type { CellTally } from './tally.js';

/** The checks, in the order they are reported. */
export const CHECK_NAMES = [
  /** Observed cells within the positions that may hold data, none on a position reported empty. */
  'cells',
  /** Every linear index within 0 … product of the sizes − 1. */
  'index_range',
  /** No key (the dimension columns) twice: no index twice, no category code twice in a dimension. */
  'unique_keys',
  /** Every status flag made of Eurostat's known flags. */
  'status_flags',
  /** The row count within the configured ratio of the previous loaded version's. */
  'row_change',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One check's verdict with its numbers. */
export interface CheckResult {
  check: CheckName;
  passed: boolean;
  /** What the rule allows (a bound, a range, a set), or null when there is nothing to compare. */
  expected: number | string | null;
  /** What the version has. */
  found: number | string;
  /** The comparison in words, with every figure. */
  detail: string;
}

/**
 * Eurostat's status flags, one letter each, combined in one string (`bp`, `ep`): the observation
 * status list (b break in time series, d definition differs, e estimated, f forecast, i imputed,
 * m missing – cannot exist, n not significant, p provisional, u low reliability), the
 * confidentiality list since January 2025 (C confidential, N not for publication, P non-statistical
 * secrecy) and the codes used before it (c confidential, r revised, s Eurostat estimate, z not
 * applicable).
 */
export const KNOWN_STATUS_LETTERS = new Set('bdefimnpuCNPcrsz');

/** Whether a status string is made of known flags, each at most once. */
export function isKnownStatus(flag: string): boolean {
  if (flag.length === 0) return false;
  const seen = new Set<string>();
  for (const letter of flag) {
    if (!KNOWN_STATUS_LETTERS.has(letter) || seen.has(letter)) return false;
    seen.add(letter);
  }
  return true;
}

/** What the gate compares a version against. */
export interface GateInput {
  tally: CellTally;
  /** Rows of the version loaded now, or null when the dataset was never loaded. */
  previousRows: number | null;
  /** Largest relative change allowed (0.5 = ±50 %). */
  maxRowChangeRatio: number;
  /** Rows PostgreSQL found twice on the dimension columns when it built the key (0 if it did not fail). */
  duplicateKeysFromIndex?: string | undefined;
}

/** Every check, in `CHECK_NAMES` order. */
export function evaluateChecks(input: GateInput): CheckResult[] {
  const { tally, previousRows, maxRowChangeRatio } = input;
  return [
    cellsCheck(tally),
    indexRangeCheck(tally),
    uniqueKeysCheck(tally, input.duplicateKeysFromIndex),
    statusFlagsCheck(tally),
    rowChangeCheck(tally.rows, previousRows, maxRowChangeRatio),
  ];
}

/** Whether every check passed. */
export function allPassed(checks: readonly CheckResult[]): boolean {
  return checks.every((c) => c.passed);
}

function cellsCheck(t: CellTally): CheckResult {
  const max = t.dataPositions;
  const passed = t.rows <= max && t.onNoDataPositions === 0;
  return {
    check: 'cells',
    passed,
    expected: max,
    found: t.rows,
    detail:
      `${t.rows} observed cells, at most ${max} (${t.positions} positions by the sizes, ` +
      `${t.positions - max} on categories reported with no data); ` +
      `${t.onNoDataPositions} observed on a category reported with no data`,
  };
}

function indexRangeCheck(t: CellTally): CheckResult {
  return {
    check: 'index_range',
    passed: t.outOfRange === 0,
    expected: `0…${t.positions - 1}`,
    found: t.outOfRange,
    detail:
      t.outOfRange === 0
        ? `every index within 0…${t.positions - 1}`
        : `${t.outOfRange} indices outside 0…${t.positions - 1} (first ${t.firstOutOfRange})`,
  };
}

function uniqueKeysCheck(t: CellTally, fromIndex: string | undefined): CheckResult {
  const repeatedCodes = t.repeatedCategoryCodes;
  const found = t.duplicateIndices + repeatedCodes.length + (fromIndex === undefined ? 0 : 1);
  const parts = [`${t.duplicateIndices} indices given twice`];
  if (repeatedCodes.length > 0) parts.push(`category codes repeated: ${repeatedCodes.join(', ')}`);
  if (fromIndex !== undefined) parts.push(`the primary key refused ${fromIndex}`);
  return {
    check: 'unique_keys',
    passed: found === 0,
    expected: 0,
    found,
    detail: parts.join('; '),
  };
}

function statusFlagsCheck(t: CellTally): CheckResult {
  const unknown = [...t.unknownFlags.entries()];
  const cells = unknown.reduce((sum, [, n]) => sum + n, 0);
  return {
    check: 'status_flags',
    passed: unknown.length === 0,
    expected: [...KNOWN_STATUS_LETTERS].join(''),
    found: unknown.length === 0 ? 0 : unknown.map(([flag]) => flag).join(','),
    detail:
      unknown.length === 0
        ? `${t.flaggedCells} flagged cells, every flag known`
        : `${cells} cells flagged with unknown flags: ${unknown.map(([f, n]) => `'${f}' ×${n}`).join(', ')}`,
  };
}

/** The row count against the previous version's, within ±ratio. */
export function rowChangeCheck(
  rows: number,
  previousRows: number | null,
  ratio: number,
): CheckResult {
  if (previousRows === null || previousRows === 0) {
    return {
      check: 'row_change',
      passed: true,
      expected: null,
      found: rows,
      detail: `${rows} rows; no previous version to compare with`,
    };
  }
  const low = Math.ceil(previousRows * (1 - ratio));
  const high = Math.floor(previousRows * (1 + ratio));
  const change = (rows - previousRows) / previousRows;
  const passed = rows >= low && rows <= high;
  return {
    check: 'row_change',
    passed,
    expected: `${Math.max(0, low)}…${high}`,
    found: rows,
    detail: `${rows} rows against ${previousRows} before (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %, allowed ±${(ratio * 100).toFixed(1)} %)`,
  };
}
