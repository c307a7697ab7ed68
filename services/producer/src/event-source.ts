/**
 * The seam between where events come from and where they go: a source reads some input (a CSV
 * file today; a Firestore export, a MySQL incremental read or a JSON-stat feed later), validates
 * it, and yields events ready to publish or rows it rejected; the `TopicEmitter` does not care
 * which. A new source implements `EventSource` and reuses batching, dead-lettering, pacing,
 * progress and checkpoints unchanged.
 */
import type { Problem, SourcePosition } from '@lakestream/schema';

/** Problems found by a source before schema validation (the bytes or the CSV framing). */
export type SourceProblemCode =
  /** The record is longer than the configured limit; it is not parsed further. */
  | 'LS_PRODUCER_RECORD_TOO_LARGE'
  /** Bytes that are not valid in the input encoding (only possible for UTF-8). */
  | 'LS_PRODUCER_UNDECODABLE'
  /** The CSV framing is broken, e.g. a quote still open at the end of the input. */
  | 'LS_PRODUCER_CSV_SYNTAX';

/** A problem of a source-level kind, shaped like a schema `Problem` so consumers read one list. */
export interface SourceLevelProblem {
  readonly code: SourceProblemCode;
  readonly column: string | null;
  readonly row: number;
  readonly value: string | null;
  readonly message: string;
}

/** Anything that makes a row go to the dead-letter topic. */
export type RowProblem = Problem | SourceLevelProblem;

/** A validated event, ready to publish. */
export interface SourceEvent {
  readonly kind: 'event';
  /** Message key: every version of one entity (an order) shares it, hence its partition. */
  readonly key: string;
  /** Message value (the event's JSON). */
  readonly value: string;
  readonly position: SourcePosition;
  /** Event time in epoch ms (the order date), for event-time replay; absent when unknown. */
  readonly eventTime?: number;
}

/** A rejected row, bound for the dead-letter topic with every reason. */
export interface SourceRejection {
  readonly kind: 'rejection';
  readonly position: SourcePosition;
  readonly problems: readonly RowProblem[];
  /** The row as it was in the input (decoded), possibly cut; see `rawBytes`. */
  readonly raw: string;
  /** Length of the row in the input, in bytes, before any cut. */
  readonly rawBytes: number;
  /** Whether `raw` holds only the beginning of the row. */
  readonly rawTruncated: boolean;
}

/** What a source yields. */
export type SourceItem = SourceEvent | SourceRejection;

/** How far a source has read, for progress and ETA. */
export interface SourceProgress {
  /** Input bytes consumed so far. */
  readonly bytesRead: number;
  /** Total input bytes when known (a file), else undefined (stdin). */
  readonly totalBytes: number | undefined;
}

/** A source of events. */
export interface EventSource {
  /** Human-readable name of the input (a file path, `-` for stdin). */
  readonly name: string;
  /**
   * Yields the items in input order, in chunks (one per read, for throughput), and finishes at
   * the end of the input or when `signal` aborts (then after the chunk being read). Items whose
   * row is at or before `skipThroughRow` (a resume) are read past and not yielded.
   */
  items(options: {
    signal?: AbortSignal;
    skipThroughRow?: number;
  }): AsyncIterable<readonly SourceItem[]>;
  /** Read progress. */
  progress(): SourceProgress;
  /** Rows read past so far, including the skipped ones: the source's last row number. */
  readonly rowsRead: number;
}
