import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import { AuditSinkError } from './errors.js';
import type { RowsSource, WriteOutcome } from './order-item-events-writer.js';

/** The metric `component` of the PostgreSQL writes. */
export const POSTGRES_SINK = 'postgres_sink';

/** How many conflicts a log line lists; the table holds them all. */
const LOGGED_CONFLICTS = 10;

/**
 * Records what one chunk's write did: the shared metrics, and every key conflict as an error –
 * counted (`component_errors_total{code="LS_AUDIT_KEY_CONFLICT"}`, which the alert watches) and
 * logged with both source positions – so that a message at a taken position is never a silent skip.
 */
export function recordWriteOutcome(
  outcome: WriteOutcome,
  context: {
    source: RowsSource;
    rows: number;
    durationSeconds: number;
    metrics: LakestreamMetrics;
    log: Logger;
  },
): void {
  const { metrics, log, source } = context;
  if (context.rows === 0) return;
  metrics.batchSize.observe({ component: POSTGRES_SINK }, context.rows);
  metrics.batchDuration.observe({ component: POSTGRES_SINK }, context.durationSeconds);
  for (const seconds of outcome.commitSeconds) {
    metrics.commitDuration.observe({ component: POSTGRES_SINK }, seconds);
  }
  metrics.sentEvents.inc({ component: POSTGRES_SINK }, outcome.inserted);
  metrics.sentBytes.inc({ component: POSTGRES_SINK }, outcome.insertedBytes);
  if (outcome.duplicates > 0) {
    metrics.discardedEvents.inc(
      { component: POSTGRES_SINK, reason: 'duplicate' },
      outcome.duplicates,
    );
  }
  metrics.lastSuccess.set({ component: POSTGRES_SINK }, Date.now() / 1000);
  if (outcome.copiedDirectly < outcome.inserted || outcome.directFallbacks > 0) {
    log.debug(
      {
        topic: source.topic,
        rows: context.rows,
        copiedDirectly: outcome.copiedDirectly,
        directFallbacks: outcome.directFallbacks,
      },
      'chunk written through the staging table (positions already stored, or stored meanwhile)',
    );
  }

  const { conflicts } = outcome;
  if (conflicts.length === 0) return;
  metrics.errors.inc({ component: POSTGRES_SINK, code: 'LS_AUDIT_KEY_CONFLICT' }, conflicts.length);
  const first = conflicts[0]!;
  const err = new AuditSinkError(
    'LS_AUDIT_KEY_CONFLICT',
    `${conflicts.length} message(s) of ${source.topic} arrived at positions already stored with ` +
      `other content (first: partition ${first.partition} offset ${first.offset}); was the topic ` +
      'deleted and created again? Both versions are in order_item_event_conflicts',
    {
      details: {
        clusterId: source.clusterId,
        topic: source.topic,
        conflicts: conflicts.slice(0, LOGGED_CONFLICTS),
      },
    },
  );
  log.error({ err }, 'audit key conflict: messages recorded as conflicts, not inserted');
}
