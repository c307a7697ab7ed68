import { ORDER_ITEM_HEADERS } from './columns.js';

/** The outcome of comparing a CSV header line with the 53 DataCo columns. */
export interface HeaderCheck {
  /** True only for an exact match: every header, spelled exactly, once, in order. */
  readonly ok: boolean;
  /** Expected headers that are not there. */
  readonly missing: readonly string[];
  /** Headers that are not DataCo columns (a near miss such as `"Type "` is listed here too). */
  readonly unexpected: readonly string[];
  /** DataCo headers that appear more than once. */
  readonly duplicated: readonly string[];
  /** DataCo headers that are present but not in the expected order (the fewest that explain it). */
  readonly outOfOrder: readonly string[];
  /** One human-readable line per finding, with 1-based positions and spelling hints. */
  readonly messages: readonly string[];
}

const EXPECTED_POSITION = new Map<string, number>(ORDER_ITEM_HEADERS.map((h, i) => [h, i]));

/**
 * Folds what commonly goes wrong in a header — a byte-order mark (also as latin-1 mojibake),
 * surrounding or doubled spaces, case — so a near miss can be pointed at its intended column.
 */
function normalizeHeader(header: string): string {
  return header
    .replace(/^(\uFEFF|ï»¿)/, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

const EXPECTED_BY_NORMALIZED = new Map<string, string>(
  ORDER_ITEM_HEADERS.map((header) => [normalizeHeader(header), header]),
);

/** Indices (into `sequence`) of one longest strictly increasing subsequence. */
function longestIncreasingRun(sequence: readonly number[]): Set<number> {
  // O(n²) is fine for 53 columns and keeps this obvious.
  const length = sequence.map(() => 1);
  const previous = sequence.map(() => -1);
  let best = -1;
  for (let i = 0; i < sequence.length; i++) {
    for (let j = 0; j < i; j++) {
      if (sequence[j]! < sequence[i]! && length[j]! + 1 > length[i]!) {
        length[i] = length[j]! + 1;
        previous[i] = j;
      }
    }
    if (best < 0 || length[i]! > length[best]!) best = i;
  }
  const kept = new Set<number>();
  for (let i = best; i >= 0; i = previous[i]!) kept.add(i);
  return kept;
}

/**
 * Compares a header line with the DataCo columns, so the producer can refuse a file with one clear
 * error listing everything wrong. Only an exact match passes: the real file's headers are exact, and
 * guessing which column a misspelt header meant would put values under the wrong field.
 */
export function checkHeader(headerFields: readonly string[]): HeaderCheck {
  const messages: string[] = [];
  const positions = new Map<string, number[]>();
  const unexpected: string[] = [];

  headerFields.forEach((header, index) => {
    if (EXPECTED_POSITION.has(header)) {
      const seen = positions.get(header);
      if (seen) seen.push(index + 1);
      else positions.set(header, [index + 1]);
      return;
    }
    unexpected.push(header);
    const intended = EXPECTED_BY_NORMALIZED.get(normalizeHeader(header));
    const hint =
      intended !== undefined && !headerFields.includes(intended)
        ? ` (did you mean ${JSON.stringify(intended)}?)`
        : '';
    messages.push(`unexpected column ${JSON.stringify(header)} at position ${index + 1}${hint}`);
  });

  const missing = ORDER_ITEM_HEADERS.filter((header) => !positions.has(header));
  for (const header of missing) {
    messages.push(
      `missing column ${JSON.stringify(header)} (expected at position ${EXPECTED_POSITION.get(header)! + 1})`,
    );
  }

  const duplicated: string[] = [];
  for (const [header, at] of positions) {
    if (at.length > 1) {
      duplicated.push(header);
      messages.push(`duplicated column ${JSON.stringify(header)} at positions ${at.join(', ')}`);
    }
  }

  // Judge order among the known headers only (first occurrences), so that a missing or extra
  // column does not make every later column look misplaced.
  const present = [...positions.keys()];
  const expectedIndices = present.map((header) => EXPECTED_POSITION.get(header)!);
  const inOrder = longestIncreasingRun(expectedIndices);
  const outOfOrder = present.filter((_, i) => !inOrder.has(i));
  for (const header of outOfOrder) {
    messages.push(
      `column ${JSON.stringify(header)} is out of order: at position ${positions.get(header)![0]}, expected ${EXPECTED_POSITION.get(header)! + 1}`,
    );
  }

  return {
    ok: messages.length === 0,
    missing,
    unexpected,
    duplicated,
    outOfOrder,
    messages,
  };
}
