/**
 * `firestore-source backfill --export PATH [--pattern GLOB] [--snapshot-time T] [--dry-run] [--wait]`:
 * a managed export's quality reports onto the reports topic, bad input to quarantine
 * (src/quality). Logs (pino JSON) go to stderr; the summary to stdout.
 *
 * Shutdown on SIGTERM/SIGINT: reading stops → what was handed to the producer is flushed → the
 * producer closes; the reports published so far stay (a re-run publishes the same keys and values).
 */

import { TOPICS } from '@lakestream/kafka';
import {
  createServiceRuntime,
  type LakestreamMetrics,
  loadServiceConfig,
} from '@lakestream/observability';
import { logDestination } from '../log-destination.js';
import { BACKFILL_USAGE, parseBackfillArgs } from '../quality/backfill-cli.js';
import { type BackfillCounts, badTotal, runBackfill } from '../quality/backfill-run.js';
import { formatBackfillSummary, progressLine } from '../quality/backfill-summary.js';
import { loadQualityConfig } from '../quality/config.js';
import { openQualityKafka, type QualityKafka } from '../quality/kafka-wiring.js';
import { BatchPublisher } from '../quality/publisher.js';
import { waitForPublishedReports } from '../quality/wait-command.js';

const SERVICE = 'firestore-backfill';
/** The `component` label of the backfill's shared metrics. */
const COMPONENT = 'firestore_backfill';

/** Runs the command; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = parseBackfillArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${BACKFILL_USAGE}\n`);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`${SERVICE}: ${command.message}\n(see --help)\n`);
    return 2;
  }
  const config = loadServiceConfig(SERVICE, () => loadQualityConfig());
  const runtime = createServiceRuntime({
    service: SERVICE,
    config,
    logDestination: logDestination(),
    oneShot: true,
  });
  const { logger, metrics, shutdown } = runtime;
  logger.info({ config, command: { ...command, glob: command.glob.text } }, 'starting');
  await runtime.serveHealth({});

  let kafka: QualityKafka | undefined;
  let exitCode = 1;
  const started = Date.now();
  const run = (async () => {
    if (!command.dryRun) {
      kafka = await openQualityKafka(
        config,
        [
          { role: TOPICS.qualityReports, name: config.reportsTopic },
          { role: TOPICS.firestoreQuarantine, name: config.quarantineTopic },
        ],
        logger,
        runtime.signal,
      );
    }
    const publisher = (topic: string) =>
      kafka && new BatchPublisher(kafka.producer, topic, config.batchRecords, config.maxInFlight);
    const progress = progressLine();
    let last = { documents: 0, published: 0, duplicates: 0, skipped: 0 };
    const counts = await runBackfill({
      location: command.location,
      glob: command.glob,
      ...(command.snapshotTime === undefined ? {} : { snapshotTime: command.snapshotTime }),
      reports: publisher(config.reportsTopic) ?? null,
      quarantine: publisher(config.quarantineTopic) ?? null,
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
    if (command.wait && kafka) {
      process.stderr.write(
        `${SERVICE}: waiting for the bronze sink and the loader to apply the reports\n`,
      );
      await waitForPublishedReports(kafka.kafka, config, config.reportsTopic, runtime.signal);
      process.stdout.write('applied by the warehouse loader\n');
    }
    const bad = badTotal(counts);
    if (bad === 0) metrics.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
    exitCode = bad === 0 ? 0 : 1;
  })().catch((err: unknown) => {
    exitCode = 1;
    logger.error({ err }, 'backfill failed');
    process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  });
  shutdown.add('stop reading and flush the producer', () => run);
  shutdown.add('close the Kafka producer', () => kafka?.close());
  await run;
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  return exitCode === 0 ? closed.exitCode : exitCode;
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
