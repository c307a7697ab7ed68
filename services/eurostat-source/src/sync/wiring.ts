/**
 * The clients a dataset sync uses, opened the same way by `sync` and `worker`: the PostgreSQL pool
 * (the eurostat schema created if missing), the lake's object store, and the idempotent producer
 * announcing landed answers on the bronze manifest topic (created if missing), with the sync
 * settings.
 */
import { hostname } from 'node:os';
import {
  createIdempotentProducer,
  createKafka,
  ensureTopics,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import type { EurostatConfig } from '../config.js';
import { loadVersion } from '../load/load-version.js';
import { COMPONENTS, type EurostatMetrics } from '../metrics.js';
import { createPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';
import { storageUrlOf } from './bronze.js';
import type { SyncDeps } from './sync-version.js';

/** Opens the pool, the store and the producer; `close` ends them (idempotent). */
export async function openSyncDeps(
  config: EurostatConfig,
  logger: Logger,
  metrics: EurostatMetrics,
  service: string,
): Promise<{ deps: Omit<SyncDeps, 'signal'>; close(): Promise<void> }> {
  const pool = createPool(config.databaseUrl, logger, service);
  const store = openObjectStore(storageUrlOf(config), {
    ...(config.storageEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.storageEmulatorHost }),
    retry: {
      onRetry: ({ err, attempt, delayMs }) => {
        metrics.shared.errors.inc({
          component: COMPONENTS.sync,
          code: String((err as { code?: unknown }).code ?? 'unknown'),
        });
        logger.warn({ err, attempt, delayMs }, 'object store call failed; retrying');
      },
    },
  });
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    logger,
  });
  // Idempotent with acks from all in-sync replicas (announceLanded): a retried send is written
  // once, and an announcement the broker confirmed survives a broker's loss.
  const producer = createIdempotentProducer(kafka);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= Promise.all([
      pool.end().catch(() => {}),
      producer.disconnect().catch(() => {}),
    ]).then(() => {});
    return closing;
  };
  try {
    await ensureSchema(pool);
    const retry = { logger };
    await withKafkaStartRetry(
      'creating the bronze manifest topic',
      () => ensureTopics(kafka, [topicSpec(TOPICS.bronzeFiles, config.manifestTopic)]),
      retry,
    );
    await withKafkaStartRetry('connecting the manifest producer', () => producer.connect(), retry);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    deps: {
      config,
      pool,
      store,
      logger,
      metrics,
      load: loadVersion,
      announce: { producer, topic: config.manifestTopic, writer: `${service}@${hostname()}` },
      maxRowChangeRatio: config.maxRowChangePercent / 100,
    },
    close,
  };
}
