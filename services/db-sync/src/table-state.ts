/**
 * A table's next state: after a confirmed batch (the watermark moves to the batch's upper bound;
 * an empty table keeps the old one), after a failure (only status and error change), and with
 * the schema changes the warehouse reported.
 */
import type { DbSchemaChange, DbSyncApplied, DbSyncBatch } from '@lakestream/lake';
import type { TablePlan } from './discovery.js';
import { MAX_SCHEMA_EVENTS, type SchemaEvent, type TableState } from './state.js';

function keepNewest(events: SchemaEvent[]): SchemaEvent[] {
  return events.slice(-MAX_SCHEMA_EVENTS);
}

/** The state after `batch` of `plan` was confirmed by `applied`. */
export function nextTableState(
  previous: TableState | undefined,
  plan: TablePlan,
  batch: DbSyncBatch,
  applied: DbSyncApplied,
  drift: readonly DbSchemaChange[],
  run: { startedAt: Date; seconds: number; sourceTimeZone: string },
): TableState {
  const now = new Date().toISOString();
  // The upper bound as the source spells it (the batch's carries a zone for TIMESTAMPs).
  const upper = batch.watermark_to === null ? null : batch.watermark_to.replace(/\+00:00$/, '');
  const sameCursor =
    previous?.cursor_column === plan.cursorColumn && previous?.watermark_kind === plan.cursorKind;
  const watermark =
    plan.cursorColumn === null
      ? null
      : (upper ?? (sameCursor ? (previous?.watermark ?? null) : null));
  const events: SchemaEvent[] = [
    ...(previous?.schema_changes ?? []),
    ...drift.map((c) => ({ ...c, source: 'drift' as const, at: now })),
    ...applied.schema_changes.map((c) => ({
      ...c,
      source: 'applied' as const,
      at: applied.applied_at,
    })),
  ];
  return {
    watermark,
    watermark_kind: watermark === null ? null : plan.cursorKind,
    source_time_zone: run.sourceTimeZone,
    mode: plan.mode,
    write: plan.write,
    rows: batch.rows,
    status: 'ok',
    last_error: null,
    last_run_id: batch.run_id,
    started_at: run.startedAt.toISOString(),
    finished_at: now,
    seconds: run.seconds,
    primary_key: plan.primaryKey,
    cursor_column: plan.cursorColumn,
    columns: plan.columns,
    schema_changes: keepNewest(events),
  };
}

/** The state after a failure: the watermark and everything it depends on stay as they were. */
export function failedTableState(
  previous: TableState | undefined,
  plan: TablePlan | undefined,
  error: string,
  startedAt: Date,
  seconds: number,
  sourceTimeZone: string,
): TableState {
  const base: TableState = previous ?? {
    watermark: null,
    watermark_kind: null,
    source_time_zone: sourceTimeZone,
    mode: plan?.mode ?? 'full',
    write: plan?.write ?? 'replace',
    rows: 0,
    status: 'failed',
    last_error: null,
    last_run_id: null,
    started_at: null,
    finished_at: null,
    seconds: 0,
    primary_key: plan?.primaryKey ?? [],
    cursor_column: plan?.cursorColumn ?? null,
    columns: [],
    schema_changes: [],
  };
  return {
    ...base,
    status: 'failed',
    last_error: error,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    seconds,
  };
}

/** `state` with the schema changes a confirmation reported. */
export function withAppliedChanges(state: TableState, applied: DbSyncApplied): TableState {
  if (applied.schema_changes.length === 0) return state;
  const events = applied.schema_changes.map((c) => ({
    ...c,
    source: 'applied' as const,
    at: applied.applied_at,
  }));
  return { ...state, schema_changes: keepNewest([...state.schema_changes, ...events]) };
}
