/**
 * `firestore-source quality-events [--count N] [--teams K] [--seed S] [--first I] [--topic T] [--wait]`:
 * sample stream quality reports onto the reports topic (src/quality/samples.ts); with `--wait`,
 * then until the warehouse loader has applied them (as `backfill --wait`).
 */

import { TOPICS } from '@lakestream/kafka';
import { createServiceRuntime, loadServiceConfig } from '@lakestream/observability';
import { logDestination } from '../log-destination.js';
import { loadQualityConfig } from '../quality/config.js';
import { EVENTS_USAGE, parseEventsArgs } from '../quality/events-cli.js';
import { openQualityKafka, type QualityKafka } from '../quality/kafka-wiring.js';
import { BatchPublisher } from '../quality/publisher.js';
import { sampleStreamReport } from '../quality/samples.js';
import { waitForPublishedReports } from '../quality/wait-command.js';

const SERVICE = 'firestore-quality-events';

/** Runs the command; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = parseEventsArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${EVENTS_USAGE}\n`);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`${SERVICE}: ${command.message}\n(see --help)\n`);
    return 2;
  }
  const config = loadServiceConfig(SERVICE, () => loadQualityConfig());
  const topic = command.topic ?? config.reportsTopic;
  const runtime = createServiceRuntime({
    service: SERVICE,
    config,
    logDestination: logDestination(),
    oneShot: true,
  });
  const { logger, shutdown } = runtime;
  let kafka: QualityKafka | undefined;
  let exitCode = 1;
  const run = (async () => {
    kafka = await openQualityKafka(
      config,
      [{ role: TOPICS.qualityReports, name: topic }],
      logger,
      runtime.signal,
    );
    const publisher = new BatchPublisher(
      kafka.producer,
      topic,
      config.batchRecords,
      config.maxInFlight,
    );
    const spec = { seed: command.seed, teams: command.teams };
    for (let i = command.first; i < command.first + command.count && !runtime.signal.aborted; i++) {
      const report = sampleStreamReport(i, spec);
      await publisher.add({ key: report.insert_id, value: JSON.stringify(report) });
    }
    await publisher.flush();
    runtime.metrics.sentEvents.inc(
      { component: 'firestore_quality_events' },
      publisher.acknowledged,
    );
    process.stdout.write(`published ${publisher.acknowledged} stream reports to ${topic}\n`);
    if (publisher.acknowledged !== command.count) return;
    if (command.wait) {
      process.stderr.write(
        `${SERVICE}: waiting for the bronze sink and the loader to apply the reports\n`,
      );
      await waitForPublishedReports(kafka.kafka, config, topic, runtime.signal);
      process.stdout.write('applied by the warehouse loader\n');
    }
    exitCode = 0;
  })().catch((err: unknown) => {
    exitCode = 1;
    logger.error({ err }, 'publishing failed');
    process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  });
  shutdown.add('finish publishing', () => run);
  shutdown.add('close the Kafka producer', () => kafka?.close());
  await run;
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  return exitCode === 0 ? closed.exitCode : exitCode;
}
