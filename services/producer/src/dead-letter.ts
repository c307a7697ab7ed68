/**
 * The dead-letter record of a rejected row: the row as it was, where it was, and every reason.
 * Consumers read `problems` (stable codes); `reason` and `reasons` are for people.
 */
import { describeProblem, type Problem } from '@lakestream/schema';
import type { RowProblem, SourceRejection } from './event-source.js';

/** Version of the dead-letter record's shape; bumped on any change a consumer could notice. */
export const DEAD_LETTER_VERSION = 1 as const;

/** Longest `value` kept per problem: enough to recognise it, never a 10 MB blob. */
const MAX_PROBLEM_VALUE_CHARS = 1024;

/** The JSON value put on the dead-letter topic. */
export interface DeadLetterRecord {
  dead_letter_version: typeof DEAD_LETTER_VERSION;
  /** The first reason, one line (`row 7, column "Order Id": expected an integer (got "x")`). */
  reason: string;
  /** Every reason, one line each. */
  reasons: string[];
  /** Every problem, machine-readable. */
  problems: RowProblem[];
  /** The row as read (decoded), without its line end; cut when `raw_truncated`. */
  raw: string;
  /** The row's length in the input, in bytes. */
  raw_bytes: number;
  raw_truncated: boolean;
  source: { file: string; row: number };
  /** The encoding the row was decoded with. */
  encoding: string;
  /** When the producer rejected it, ISO-8601 UTC. */
  failed_at: string;
  component: 'producer';
}

function cut(problem: RowProblem): RowProblem {
  const { value } = problem;
  if (value === null || value.length <= MAX_PROBLEM_VALUE_CHARS) return problem;
  return { ...problem, value: `${value.slice(0, MAX_PROBLEM_VALUE_CHARS)}…` };
}

/** Builds the dead-letter record of a rejected row. */
export function deadLetterRecord(
  rejection: SourceRejection,
  encoding: string,
  failedAt: string = new Date().toISOString(),
): DeadLetterRecord {
  const problems = rejection.problems.map(cut);
  // Source-level problems have the same shape as schema problems, so one describer serves both.
  const reasons = problems.map((problem) => describeProblem(problem as Problem));
  return {
    dead_letter_version: DEAD_LETTER_VERSION,
    reason: reasons[0] ?? 'rejected',
    reasons,
    problems,
    raw: rejection.raw,
    raw_bytes: rejection.rawBytes,
    raw_truncated: rejection.rawTruncated,
    source: { file: rejection.position.file, row: rejection.position.row },
    encoding,
    failed_at: failedAt,
    component: 'producer',
  };
}
