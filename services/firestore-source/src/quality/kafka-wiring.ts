/**
 * The Kafka side of the quality commands: the topics they write (created with the contract's
 * settings under whatever names the config gives) and one idempotent producer.
 */
import {
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  type TopicName,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { Kafka, Producer } from 'kafkajs';
import type { QualityConfig } from './config.js';

/** A connected client and producer; `close()` is idempotent. */
export interface QualityKafka {
  kafka: Kafka;
  producer: Producer;
  close(): Promise<void>;
}

/** Creates the topics (role → name) and connects an idempotent producer (acks = all). */
export async function openQualityKafka(
  config: QualityConfig,
  topics: readonly { role: TopicName; name: string }[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<QualityKafka> {
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger,
  });
  const retry = { logger, ...(signal ? { signal } : {}) };
  await withKafkaStartRetry(
    'create the topics',
    () =>
      ensureTopics(
        kafka,
        topics.map((t) => topicSpec(t.role, t.name)),
      ),
    retry,
  );
  // Idempotent: retried sends keep their sequence numbers, so none is written twice; kafkajs
  // keeps one request in flight per broker with it, and batching makes up the throughput. The
  // client's bounded retries stay: a broker away for good fails the run (LS_QUALITY_PUBLISH_FAILED)
  // instead of hanging it, and a re-run publishes the same keys and values.
  const producer = createIdempotentProducer(kafka);
  await withKafkaStartRetry('connect the producer', () => producer.connect(), retry);
  let closing: Promise<void> | undefined;
  return {
    kafka,
    producer,
    close: () => {
      closing ??= producer.disconnect().catch(() => {});
      return closing;
    },
  };
}
