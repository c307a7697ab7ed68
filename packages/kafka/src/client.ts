import type { Logger } from '@lakestream/observability';
import {
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  type logCreator,
  Partitioners,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';

/** Options of `createKafka`. */
export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** Extra kafkajs settings (timeouts, retry). */
  overrides?: Partial<KafkaConfig>;
}

/**
 * kafkajs logs each error answer of a broker, and each consumer crash and restart, at error level,
 * although it retries them, and what a service cannot get past reaches it as an exception that it
 * logs itself. A fresh broker's start ("the coordinator is loading") filled a sink's log with a
 * dozen errors that needed nobody: these lines are warnings.
 */
const RETRIED_BY_KAFKAJS = /^(Response |Crash: |Restarting the consumer)/;

/** kafkajs logs through the service's pino logger, at the matching level, under `{ kafka }`. */
function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      switch (level) {
        case KafkaLogLevel.ERROR:
          if (RETRIED_BY_KAFKAJS.test(message)) child.warn({ kafka: extra }, message);
          else child.error({ kafka: extra }, message);
          break;
        case KafkaLogLevel.WARN:
          child.warn({ kafka: extra }, message);
          break;
        case KafkaLogLevel.INFO:
          child.info({ kafka: extra }, message);
          break;
        default:
          child.debug({ kafka: extra }, message);
      }
    };
}

/**
 * A kafkajs client with Lakestream's defaults: logs through pino, and retries with backoff long
 * enough to ride out a broker restart or a leadership move (about 30 s in all).
 */
export function createKafka({ brokers, clientId, logger, overrides }: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(logger),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 5_000, retries: 10 },
    ...overrides,
  });
}

/**
 * The pipeline's producer: idempotent with one request in flight, so a retried send is neither
 * written twice nor reordered. Keyed messages go where kafkajs' default partitioner (Kafka's
 * murmur2, as the producer service and Java clients do) puts them; named here, so that kafkajs
 * does not warn in every service's log about the default it changed in its version 2. `config`
 * adds to this (a transactional id, a transaction timeout).
 */
export function createIdempotentProducer(
  kafka: Kafka,
  config: Omit<ProducerConfig, 'idempotent' | 'maxInFlightRequests' | 'createPartitioner'> = {},
): Producer {
  return kafka.producer({
    ...config,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
