/**
 * `firestore-source backfill --export PATH [--pattern GLOB] [--snapshot-time T] [--dry-run] [--wait]`:
 * a managed export's quality reports onto the reports topic, bad input to quarantine
 * (src/quality). Logs (pino JSON) go to stderr; the summary to stdout.
 *
 * Shutdown on SIGTERM/SIGINT: reading stops → what was handed to the producer is flushed → the
 * producer closes; the reports published so far stay (a re-run publishes the same keys and values).
 */

import { TOPICS } from '@lakestream/kafka';
import type { LakestreamMetrics } from '@lakestream/observability';
import { BACKFILL_USAGE, parseBackfillArgs } from '../quality/backfill-cli.js';
import { type BackfillCounts, badTotal, runBackfill } from '../quality/backfill-run.js';
import { formatBackfillSummary, progressLine } from '../quality/backfill-summary.js';
import { runQualityCommand } from '../quality/command-runtime.js';
import type { QualityKafka } from '../quality/kafka-wiring.js';
import { BatchPublisher } from '../quality/publisher.js';

/** The `component` label of the backfill's shared metrics. */
const COMPONENT = 'firestore_backfill';

/** Runs the command; returns the exit status. */
export function main(argv: readonly string[]): Promise<number> {
  return runQualityCommand(argv, {
    service: 'firestore-backfill',
    usage: BACKFILL_USAGE,
    parse: parseBackfillArgs,
    describe: (command) => ({ ...command, glob: command.glob.text }),
    finishStep: 'stop reading and flush the producer',
    failure: 'backfill failed',
    async work({ command, config, runtime, openKafka, waitApplied }) {
      const { logger, metrics } = runtime;
      const started = Date.now();
      const kafka: QualityKafka | undefined = command.dryRun
        ? undefined
        : await openKafka([
            { role: TOPICS.qualityReports, name: config.reportsTopic },
            { role: TOPICS.firestoreQuarantine, name: config.quarantineTopic },
          ]);
      const publisher = (topic: string) =>
        kafka
          ? new BatchPublisher(kafka.producer, topic, config.batchRecords, config.maxInFlight)
          : null;
      const progress = progressLine();
      let last = { documents: 0, published: 0, duplicates: 0, skipped: 0 };
      const counts = await runBackfill({
        location: command.location,
        glob: command.glob,
        ...(command.snapshotTime === undefined ? {} : { snapshotTime: command.snapshotTime }),
        reports: publisher(config.reportsTopic),
        quarantine: publisher(config.quarantineTopic),
        dedupLimit: config.dedupLimit,
        signal: runtime.signal,
        onDocument: (c) => {
          progress?.update(c);
          last = record(metrics, c, last);
        },
        onBad: (bad) => {
          metrics.errors.inc({ component: COMPONENT, code: bad.code });
          logger.warn(
            { code: bad.code, file: bad.file, offset: bad.offset, path: bad.path },
            bad.message,
          );
        },
      });
      progress?.end(counts);
      const seconds = (Date.now() - started) / 1000;
      metrics.batchDuration.observe({ component: COMPONENT }, seconds);
      process.stdout.write(`${formatBackfillSummary(counts, seconds, command.dryRun)}\n`);
      logger.info(summaryFields(counts, seconds), 'backfill finished');
      if (command.wait && kafka) await waitApplied(kafka, config.reportsTopic);
      const bad = badTotal(counts);
      if (bad === 0) metrics.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
      return bad === 0 ? 0 : 1;
    },
  });
}

type Seen = { documents: number; published: number; duplicates: number; skipped: number };

/** Moves the shared counters by what changed since the last document. */
function record(metrics: LakestreamMetrics, counts: BackfillCounts, last: Seen): Seen {
  const c = { component: COMPONENT };
  metrics.receivedEvents.inc(c, counts.documents - last.documents);
  if (counts.published > last.published)
    metrics.sentEvents.inc(c, counts.published - last.published);
  if (counts.duplicates > last.duplicates) {
    metrics.discardedEvents.inc({ ...c, reason: 'duplicate' }, counts.duplicates - last.duplicates);
  }
  if (counts.skipped > last.skipped) {
    metrics.discardedEvents.inc({ ...c, reason: 'not_a_report' }, counts.skipped - last.skipped);
  }
  const { documents, published, duplicates, skipped } = counts;
  return { documents, published, duplicates, skipped };
}

function summaryFields(counts: BackfillCounts, seconds: number) {
  return {
    documents: counts.documents,
    published: counts.published,
    duplicates: counts.duplicates,
    skipped: counts.skipped,
    bad: Object.fromEntries([...counts.bad].map(([code, t]) => [code, t.count])),
    seconds,
    docsPerSecond: seconds > 0 ? Math.round(counts.documents / seconds) : null,
  };
}
