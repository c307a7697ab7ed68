/**
 * `eurostat watch [--every 12h]`: wiring only (the run is in watch/, the runtime, schedule and
 * shutdown in scheduled-command). Logs (pino JSON) go to stderr or EUROSTAT_SOURCE_LOG_FILE; the
 * summary to stdout.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE (1m): no run starts after the signal; the
 * one under way finishes (its announcements commit after Kafka acknowledged them, or roll back)
 * → close the Kafka producer → close the PostgreSQL pool → close the health server.
 */
import {
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import type { Producer } from 'kafkajs';
import { formatWatchSummary, runWatch } from '../watch/watch-run.js';
import { runScheduledCommand } from './scheduled-command.js';

const SERVICE = 'eurostat-watch';

/** The usage text of `--help`. */
export const USAGE = `Usage: eurostat-source watch [--every 12h]

Reads Eurostat's update feed (…/catalogue/rss/en/statistics-update.rss) and the catalogue's last
update dates (eurostat.catalog, loaded by \`catalog\`), and publishes one update event to
lakestream.eurostat.updates.v1 (keyed by dataset code) for each watched dataset whose newest
update is not loaded yet (eurostat.loads). Each update (code + update time) is announced once:
eurostat.announcements records it in the same transaction.

Options:
  --every 12h  again every interval (default EUROSTAT_WATCH_EVERY, else once), until SIGTERM

Exit status: 0 done, 1 the run failed (nothing of it is recorded), 2 bad arguments or configuration.`;

/** Runs the command; resolves with the exit status. */
export function main(argv: readonly string[]): Promise<number> {
  return runScheduledCommand<Producer>(argv, {
    command: 'watch',
    service: SERVICE,
    usage: USAGE,
    defaultEveryMs: (config) => config.watchEveryMs,
    failure: 'watch run failed',
    open: async ({ config, logger, signal }) => {
      const kafka = createKafka({
        brokers: config.kafkaBrokers,
        clientId: config.kafkaClientId,
        logger,
      });
      const producer = createIdempotentProducer(kafka);
      const close = () => producer.disconnect().catch(() => {});
      try {
        const retry = { logger, signal };
        await withKafkaStartRetry('connecting the producer', () => producer.connect(), retry);
        await withKafkaStartRetry(
          'creating the updates topic',
          () => ensureTopics(kafka, [topicSpec(TOPICS.eurostatUpdates, config.updatesTopic)]),
          retry,
        );
      } catch (err) {
        await close();
        throw err;
      }
      return { clients: producer, step: 'close the Kafka producer', close };
    },
    run: async ({ clients: producer, ...context }) =>
      formatWatchSummary(await runWatch({ ...context, producer })),
  });
}
