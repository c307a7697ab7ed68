/**
 * The Kafka side of a run, built once per process: the topics (the contract's and the tables'),
 * the idempotent producer, an admin for partition counts, and the confirmations reader.
 */
import { resolveLakestreamHome } from '@lakestream/config';
import {
  createIdempotentProducer,
  createKafka,
  dbTableTopic,
  dbTableTopicSpec,
  ensureTopics,
  TOPICS,
  topicSpec,
  withKafkaStartRetry,
} from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { AppliedWatch } from './applied-watch.js';
import { type DbSyncConfig, sourceEndpoint } from './config.js';
import type { DbSyncMetrics } from './db-sync-metrics.js';
import { newRunId, type RunScope, runSync } from './sync-run.js';
import type { TableResult } from './sync-table.js';

/** Every table topic of `scope`, in config order. */
export function tableTopics(scope: RunScope): string[] {
  return scope.databases.flatMap((db) => scope.tables.map((table) => dbTableTopic(db, table)));
}

/** Creates the contract's db topics and the table topics of `scope` where missing. */
export async function ensureDbTopics(
  kafka: Kafka,
  config: Pick<DbSyncConfig, 'batchesTopic' | 'appliedTopic'>,
  scope: RunScope,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const specs = [
    topicSpec(TOPICS.dbSyncBatches, config.batchesTopic),
    topicSpec(TOPICS.dbSyncApplied, config.appliedTopic),
    ...scope.databases.flatMap((db) => scope.tables.map((table) => dbTableTopicSpec(db, table))),
  ];
  await withKafkaStartRetry('creating the db topics', () => ensureTopics(kafka, specs), {
    logger,
    ...(signal ? { signal } : {}),
  });
}

/** Options of one run. */
export interface RunOptions {
  scope: RunScope;
  full: boolean;
  reconcile: boolean;
  print: (line: string) => void;
  onRows?: (rows: number) => void;
  /** Aborted at shutdown: no table starts after it; the tables under way finish. */
  signal?: AbortSignal;
}

/** A connected sync service: runs syncs until closed. */
export interface SyncService {
  kafka: Kafka;
  run(options: RunOptions): Promise<TableResult[]>;
  close(): Promise<void>;
}

/** Connects to Kafka (riding out a broker still starting) and returns the service. */
export async function startSyncService(
  config: DbSyncConfig,
  deps: { logger: Logger; metrics?: DbSyncMetrics; signal?: AbortSignal; kafka?: Kafka },
): Promise<SyncService> {
  const { logger } = deps;
  const kafka =
    deps.kafka ??
    createKafka({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, logger });
  const producer: Producer = createIdempotentProducer(kafka);
  const admin: Admin = kafka.admin();
  const retry = { logger, ...(deps.signal ? { signal: deps.signal } : {}) };
  await withKafkaStartRetry('connecting the producer', () => producer.connect(), retry);
  await withKafkaStartRetry('connecting the admin', () => admin.connect(), retry);
  const endpoint = sourceEndpoint(config);
  const home = resolveLakestreamHome(config.lakestreamHome);
  let closed = false;
  return {
    kafka,
    async run(options) {
      await ensureDbTopics(kafka, config, options.scope, logger, options.signal);
      const watch = await withKafkaStartRetry(
        'reading the confirmations',
        () => AppliedWatch.start(kafka, config.appliedTopic, logger),
        retry,
      );
      try {
        return await runSync(
          {
            config,
            endpoint,
            runId: newRunId(),
            producer,
            admin,
            watch,
            logger,
            ...(deps.metrics ? { metrics: deps.metrics } : {}),
            full: options.full,
            reconcile: options.reconcile,
            print: options.print,
            ...(options.onRows ? { onRows: options.onRows } : {}),
            ...(options.signal ? { stopping: options.signal } : {}),
          },
          options.scope,
          home,
        );
      } finally {
        await watch.close();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    },
  };
}
