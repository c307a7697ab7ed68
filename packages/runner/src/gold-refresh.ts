import { setTimeout as sleep } from 'node:timers/promises';
import {
  CONSUMER_GROUPS,
  createManagedConsumer,
  TOPICS,
  topicSpec,
  withHeartbeats,
} from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import { SilverAppliedSchema } from '@lakestream/silver';
import type { Kafka } from 'kafkajs';
import type { DbtAnswer } from './dbt-serve.js';
import { parseMessage } from './json-message.js';

/** One gold refresh: what dbt answered, and when. */
export interface GoldRefresh {
  answer: DbtAnswer;
  /** When the refreshed gold became readable (dbt answered; the warehouse is released). */
  visibleAt: number;
}

/** Options of `followSilverApplied`. */
export interface GoldRefreshOptions {
  kafka: Kafka;
  logger: Logger;
  /** One refresh (a dbt command on the resident process); rejects only if that process is gone. */
  refresh: () => Promise<DbtAnswer>;
  onRefresh: (refresh: GoldRefresh) => void;
  /** The refresh could not be asked at all (the resident dbt is gone): the follower stops. */
  onFatal: (err: unknown) => void;
  /** Pause before a failed refresh is tried again; default 2 s. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  topic?: string;
  groupId?: string;
}

/** The running follower. */
export interface GoldRefreshFollower {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Refreshes gold after the warehouse loader confirms applied silver batches: every fetched batch
 * of confirmations (`lakestream.silver.applied.v1`, group `lakestream-gold-refresh`) leads to one
 * dbt command, and its offsets are committed once the command succeeded. A failed refresh (the
 * warehouse held beyond dbt's connect retries) is tried again after a pause, for the same
 * confirmations, until it succeeds or the follower stops; confirmations that arrive meanwhile wait
 * for the next fetch, so a burst costs one refresh, not one each.
 */
export function followSilverApplied(options: GoldRefreshOptions): GoldRefreshFollower {
  const { kafka, logger: log } = options;
  const topic = options.topic ?? TOPICS.silverApplied;
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const member = createManagedConsumer({
    kafka,
    consumer: { groupId: options.groupId ?? CONSUMER_GROUPS.goldRefresh, maxWaitTimeInMs: 100 },
    topics: [topic],
    ensureTopics: [topicSpec(TOPICS.silverApplied, topic)],
    logger: log,
    signal: stop.signal,
  });
  return {
    async start() {
      await member.start({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          if (batch.messages.length === 0) return;
          const batches = batch.messages.flatMap(
            (m) => parseMessage(SilverAppliedSchema, m.value)?.batch_id ?? [],
          );
          for (;;) {
            if (stop.signal.aborted || !isRunning() || isStale()) return;
            // A rebalance the heartbeats report is thrown to kafkajs (it rejoins); a refresh that
            // cannot be asked at all ends the follower, committing nothing, so a follower started
            // later refreshes for these confirmations.
            const outcome = await withHeartbeats(
              options.refresh().then(
                (answer) => ({ answer }),
                (err: unknown) => ({ err }),
              ),
              heartbeat,
              3_000,
            );
            if ('err' in outcome) {
              stop.abort();
              options.onFatal(outcome.err);
              return;
            }
            const { answer } = outcome;
            const visibleAt = Date.now();
            options.onRefresh({ answer, visibleAt });
            if (answer.ok) break;
            log.warn({ batches, error: answer.error }, 'gold refresh failed; trying again');
            await sleep(options.retryDelayMs ?? 2_000, undefined, { signal: stop.signal }).catch(
              () => {},
            );
          }
          const next = (BigInt(batch.lastOffset()) + 1n).toString();
          await member.consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: next },
          ]);
        },
      });
    },
    async close() {
      stop.abort();
      await member.close();
    },
  };
}
