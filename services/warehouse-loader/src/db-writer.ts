import type { DbSyncApplied, DbSyncBatch } from '@lakestream/lake';
import type { CoveragePiece } from './db-coverage.js';

/** What applying a batch came to. */
export type DbApplyOutcome =
  /** Written now, with its confirmation. */
  | { kind: 'applied'; confirmation: DbSyncApplied }
  /** Recorded before (a replayed announcement): its recorded confirmation, unchanged. */
  | { kind: 'recorded'; confirmation: DbSyncApplied }
  /** Announced before a batch of the same table that is already applied: never written over it. */
  | { kind: 'superseded'; lastOffset: number };

/** A warehouse the database source's batches are applied to; `offset` is the announcement's. */
export interface DbWriter {
  readonly kind: 'duckdb' | 'bigquery';
  readonly description: string;
  apply(
    batch: DbSyncBatch,
    offset: number,
    pieces: readonly CoveragePiece[],
  ): Promise<DbApplyOutcome>;
}
