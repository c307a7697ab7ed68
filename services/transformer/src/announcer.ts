import { withRetry } from '@lakestream/config';
import { createIdempotentProducer, ensureTopics, TOPICS, topicSpec } from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import { type BatchAnnouncement, BatchAnnouncementSchema } from '@lakestream/silver';
import type { Kafka, Producer } from 'kafkajs';
import { metricCode, TransformerError } from './errors.js';
import { COMPONENT, type TransformerMetrics } from './metrics.js';

/** Announces published batches on the silver batches topic. */
export interface Announcer {
  /**
   * Produces the announcement (key: batch id), retrying with backoff. Resolves false when every
   * attempt failed: the batch stays published (readers go by the manifests), only the trigger is
   * late – the next batch's announcement, or a reader's own schedule, picks it up.
   */
  announce(announcement: BatchAnnouncement): Promise<boolean>;
  /** Disconnects the producer. Idempotent. */
  close(): Promise<void>;
}

/** Options of `createAnnouncer`. */
export interface AnnouncerOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  metrics: TransformerMetrics;
  /** Retries after the first attempt; default 5 (about a minute of backoff in all). */
  retries?: number;
  baseMs?: number;
}

/** A lazily connected idempotent producer for batch announcements. */
export function createAnnouncer(options: AnnouncerOptions): Announcer {
  const { kafka, topic, logger, metrics } = options;
  let producer: Producer | undefined;
  let ready: Promise<void> | undefined;

  async function connect(): Promise<Producer> {
    ready ??= (async () => {
      await ensureTopics(kafka, [topicSpec(TOPICS.silverBatches, topic)]);
      producer = createIdempotentProducer(kafka);
      await producer.connect();
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    await ready;
    return producer!;
  }

  return {
    async announce(announcement) {
      const value = JSON.stringify(BatchAnnouncementSchema.parse(announcement));
      try {
        await withRetry(
          async () => {
            const connected = await connect();
            await connected.send({
              topic,
              acks: -1,
              messages: [{ key: announcement.batch_id, value }],
            });
          },
          {
            retries: options.retries ?? 5,
            baseMs: options.baseMs ?? 1_000,
            maxMs: 30_000,
            isRetryable: () => true,
            onRetry: ({ err, attempt, delayMs }) => {
              metrics.errors.inc({ component: COMPONENT, code: metricCode(err) });
              logger.warn(
                { err, attempt, delayMs, topic },
                'announcing the batch failed; retrying',
              );
            },
          },
        );
        return true;
      } catch (cause) {
        const err = new TransformerError(
          'LS_TRANSFORMER_ANNOUNCE_FAILED',
          `batch ${announcement.batch_id} is published but could not be announced on ${topic}`,
          { cause, retryable: true, details: { batchId: announcement.batch_id, topic } },
        );
        metrics.errors.inc({ component: COMPONENT, code: err.code });
        logger.error({ err }, 'announcement failed after every retry; the batch stays published');
        return false;
      }
    },
    async close() {
      const current = producer;
      producer = undefined;
      ready = undefined;
      await current?.disconnect().catch(() => {});
    },
  };
}
