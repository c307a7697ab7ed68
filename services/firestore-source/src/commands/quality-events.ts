/**
 * `firestore-source quality-events [--count N] [--teams K] [--seed S] [--first I] [--topic T] [--wait]`:
 * sample stream quality reports onto the reports topic (src/quality/samples.ts); with `--wait`,
 * then until the warehouse loader has applied them (as `backfill --wait`).
 */

import { TOPICS } from '@lakestream/kafka';
import { runQualityCommand } from '../quality/command-runtime.js';
import { EVENTS_USAGE, parseEventsArgs } from '../quality/events-cli.js';
import { BatchPublisher } from '../quality/publisher.js';
import { sampleStreamReport } from '../quality/samples.js';

/** Runs the command; returns the exit status. */
export function main(argv: readonly string[]): Promise<number> {
  return runQualityCommand(argv, {
    service: 'firestore-quality-events',
    usage: EVENTS_USAGE,
    parse: parseEventsArgs,
    finishStep: 'finish publishing',
    failure: 'publishing failed',
    async work({ command, config, runtime, openKafka, waitApplied }) {
      const topic = command.topic ?? config.reportsTopic;
      const kafka = await openKafka([{ role: TOPICS.qualityReports, name: topic }]);
      const publisher = new BatchPublisher(
        kafka.producer,
        topic,
        config.batchRecords,
        config.maxInFlight,
      );
      const spec = { seed: command.seed, teams: command.teams };
      const end = command.first + command.count;
      for (let i = command.first; i < end && !runtime.signal.aborted; i++) {
        const report = sampleStreamReport(i, spec);
        await publisher.add({ key: report.insert_id, value: JSON.stringify(report) });
      }
      await publisher.flush();
      runtime.metrics.sentEvents.inc(
        { component: 'firestore_quality_events' },
        publisher.acknowledged,
      );
      process.stdout.write(`published ${publisher.acknowledged} stream reports to ${topic}\n`);
      if (publisher.acknowledged !== command.count) return 1;
      if (command.wait) await waitApplied(kafka, topic);
      return 0;
    },
  });
}
