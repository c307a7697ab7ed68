import type { BronzeFileManifest, BronzeManifest } from '@lakestream/lake';
import type { InvalidReport } from './quality-stream-read.js';

/** What replacing a collection's snapshot came to. */
export type SnapshotOutcome =
  /** The table now holds this run's rows. */
  | { kind: 'replaced'; table: string; rows: number }
  /** This run is loaded already (a re-announced manifest): nothing changed. */
  | { kind: 'recorded'; table: string }
  /** A run with a later read time is loaded: an older snapshot never replaces it. */
  | { kind: 'superseded'; table: string; loadedReadTime: string };

/** What merging one bronze object of quality reports came to. */
export interface QualityOutcome {
  /** Records in the object that are quality reports, and those that are not (skipped). */
  reports: number;
  invalid: readonly InvalidReport[];
  /** Distinct insert ids after reducing the object's duplicates. */
  staged: number;
  /** Rows the MERGE inserted or replaced (0 on a re-run). */
  changed: number;
}

/** A warehouse the document sources' objects are applied to (the documents worker's writer). */
export interface DocumentsWriter {
  readonly kind: 'duckdb' | 'bigquery';
  readonly description: string;
  /** Replaces `<target_schema>.<target_table>` with the object's rows, atomically. */
  replaceSnapshot(manifest: BronzeFileManifest): Promise<SnapshotOutcome>;
  /** Merges a bronze object of quality report records into `reports.quality_stream`. */
  mergeQualityReports(manifest: BronzeManifest): Promise<QualityOutcome>;
}
