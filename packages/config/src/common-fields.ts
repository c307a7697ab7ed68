import { field } from './define-config.js';
import { envVar } from './env-vars.js';
import { DEFAULT_LAKESTREAM_HOME } from './lakestream-home.js';

/** Log levels, lowest first; the same names pino uses. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** One of `LOG_LEVELS`. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Fields most services share. Spread the ones a service needs into its definition:
 * `fields: { ...commonFields, topic: field(…) }`, or pick some (`logLevel: commonFields.logLevel`).
 * A field is a plain object, so a service can change its default with
 * `{ ...commonFields.kafkaClientId, default: 'lakestream-producer' }`.
 */
export const commonFields = {
  /** Minimum level written to the log. */
  logLevel: field('LOG_LEVEL', envVar.enum(LOG_LEVELS), {
    doc: 'Minimum log level.',
    default: 'info',
  }),
  /** Directory for local state (local object store, caches); make it absolute with `resolveLakestreamHome`. */
  lakestreamHome: field('LAKESTREAM_HOME', envVar.string(), {
    doc: 'Directory for local state (local object store, caches, generated data).',
    default: DEFAULT_LAKESTREAM_HOME,
  }),
  /** Port of the health/readiness/metrics HTTP server. */
  metricsPort: field('METRICS_PORT', envVar.port(), {
    doc: 'Port of the /healthz, /readyz and /metrics HTTP server; 0 picks a free port.',
    default: '9464',
  }),
  /** File the health/metrics server writes its bound port to (it may fall back to a free one). */
  metricsPortFile: field('METRICS_PORT_FILE', envVar.string().optional(), {
    doc: 'File to write the bound /metrics port to, for a supervisor: when METRICS_PORT is taken a free port is used instead.',
  }),
  /** Interface the health/metrics server binds to. */
  metricsHost: field('METRICS_HOST', envVar.string(), {
    doc: 'Interface the /healthz, /readyz and /metrics server binds to; 0.0.0.0 in a container.',
    default: '127.0.0.1',
  }),
  /** Kafka bootstrap brokers. */
  kafkaBrokers: field('KAFKA_BROKERS', envVar.hostPorts(), {
    doc: 'Kafka bootstrap brokers.',
    default: '127.0.0.1:9092',
    example: 'kafka-0:9092,kafka-1:9092',
  }),
  /** Kafka client id, shown in broker logs and quotas. */
  kafkaClientId: field('KAFKA_CLIENT_ID', envVar.string(), {
    doc: 'Kafka client id, shown in broker logs and used for quotas.',
    default: 'lakestream',
  }),
  /** Longest time shutdown may take before the process gives up and exits with status 1. */
  shutdownGraceMs: field('SHUTDOWN_GRACE', envVar.duration(), {
    doc: 'Longest an orderly shutdown (stop intake, flush, commit, close) may take.',
    default: '10s',
  }),
} as const;
