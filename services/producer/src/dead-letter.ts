/**
 * A rejected row as the lake's one dead-letter record: the row as it was, where it was (file and
 * row), and every problem as a reason with its stable code.
 */
import { buildDeadLetter, type DeadLetterRecord } from '@lakestream/lake';
import type { SourceRejection } from './event-source.js';

/** The component name written into dead-letter records. */
export const COMPONENT = 'producer';

/** Builds the dead-letter record of a rejected row decoded with `encoding`. */
export function deadLetterRecord(
  rejection: SourceRejection,
  encoding: string,
  failedAt: Date = new Date(),
): DeadLetterRecord {
  return buildDeadLetter({
    component: COMPONENT,
    reasons: rejection.problems.map(({ code, message, column, value }) => ({
      code,
      message,
      column,
      value,
    })),
    raw: rejection.raw,
    rawBytes: rejection.rawBytes,
    rawTruncated: rejection.rawTruncated,
    source: {
      kind: 'file',
      file: rejection.position.file,
      row: rejection.position.row,
      encoding,
    },
    failedAt,
  });
}
