/**
 * Problems found in a CSV row. They are data, not exceptions: a bad row is normal input for the
 * producer, which sends it to the dead-letter topic with these problems as the reason and carries on.
 */

/** Stable code of a problem, safe to match on and to use as a metric label. */
export type ProblemCode =
  /** The row does not have 53 fields, so its values cannot be matched to columns. */
  | 'LS_SCHEMA_FIELD_COUNT'
  /** A record (header-keyed object) lacks a column. */
  | 'LS_SCHEMA_MISSING_COLUMN'
  /** A record has a key that is not a DataCo column. */
  | 'LS_SCHEMA_UNEXPECTED_COLUMN'
  /** A required column is empty. */
  | 'LS_SCHEMA_REQUIRED'
  /** Not an integer (`1.5`, `abc`, ` 7`). */
  | 'LS_SCHEMA_INTEGER'
  /** Not a plain decimal number (`1,5`, `1e-3`, `abc`). */
  | 'LS_SCHEMA_DECIMAL'
  /** Not `M/D/YYYY H:MM`, or not a real date and time. */
  | 'LS_SCHEMA_TIMESTAMP'
  /** Not one of the column's allowed values. */
  | 'LS_SCHEMA_NOT_ALLOWED';

/** One thing wrong with one row. */
export interface Problem {
  readonly code: ProblemCode;
  /** The CSV header of the offending column; `null` when the problem is the row as a whole. */
  readonly column: string | null;
  /** The row number given by the caller (the 1-based data row, see `SourcePosition`). */
  readonly row: number;
  /** The raw text that was rejected; `null` when there is none (absent column, field count). */
  readonly value: string | null;
  /** What was expected, e.g. `expected an integer`. */
  readonly message: string;
}

/** One line for logs and dead-letter reasons: `row 7, column "Order Id": expected an integer (got "1.5")`. */
export function describeProblem(problem: Problem): string {
  const where =
    problem.column === null
      ? `row ${problem.row}`
      : `row ${problem.row}, column ${JSON.stringify(problem.column)}`;
  const got = problem.value === null ? '' : ` (got ${JSON.stringify(problem.value)})`;
  return `${where}: ${problem.message}${got}`;
}
