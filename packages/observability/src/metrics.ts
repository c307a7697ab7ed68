import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Metric names shared by every service, so one dashboard and one set of alerts cover them all.
 * Modelled on Vector's component metrics: a `component` label names the pipeline stage
 * (`csv_reader`, `kafka_sink`, `bronze_writer`, …); labels are few and of bounded cardinality.
 */
export const METRIC_NAMES = {
  /** Events a component accepted from upstream. */
  receivedEvents: 'lakestream_component_received_events_total',
  /** Events a component delivered downstream (acknowledged by the destination). */
  sentEvents: 'lakestream_component_sent_events_total',
  /** Bytes a component accepted from upstream. */
  receivedBytes: 'lakestream_component_received_bytes_total',
  /** Bytes a component delivered downstream. */
  sentBytes: 'lakestream_component_sent_bytes_total',
  /** Errors by stable error code (`LS_…`). */
  errors: 'lakestream_component_errors_total',
  /** Events dropped on purpose (dead-letter topic, quarantine) by reason. */
  discardedEvents: 'lakestream_component_discarded_events_total',
  /** Events per flushed batch. */
  batchSize: 'lakestream_batch_size_events',
  /** Time to build and deliver one batch. */
  batchDuration: 'lakestream_batch_duration_seconds',
  /** Time to commit consumer offsets (or a sink's transaction). */
  commitDuration: 'lakestream_commit_duration_seconds',
  /** Messages between the committed offset and the partition's high watermark. */
  consumerLag: 'lakestream_consumer_lag_messages',
  /** Unix time of the component's last successful delivery; alert when it stops moving. */
  lastSuccess: 'lakestream_last_success_timestamp_seconds',
} as const;

/** One of the shared metric names. */
export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

// Batches range from a single late record to tens of thousands in a backfill.
const BATCH_SIZE_BUCKETS = [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000];
// From a fast in-memory flush (ms) to a slow object-store upload or warehouse load (tens of s).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The shared metrics of one service, registered in their own registry. */
export interface LakestreamMetrics {
  /** Registry holding these metrics and the default process metrics; serve it on /metrics. */
  registry: Registry;
  /** `lakestream_component_received_events_total{component}` */
  receivedEvents: Counter<'component'>;
  /** `lakestream_component_sent_events_total{component}` */
  sentEvents: Counter<'component'>;
  /** `lakestream_component_received_bytes_total{component}` */
  receivedBytes: Counter<'component'>;
  /** `lakestream_component_sent_bytes_total{component}` */
  sentBytes: Counter<'component'>;
  /** `lakestream_component_errors_total{component,code}` */
  errors: Counter<'component' | 'code'>;
  /** `lakestream_component_discarded_events_total{component,reason}` */
  discardedEvents: Counter<'component' | 'reason'>;
  /** `lakestream_batch_size_events{component}` */
  batchSize: Histogram<'component'>;
  /** `lakestream_batch_duration_seconds{component}` */
  batchDuration: Histogram<'component'>;
  /** `lakestream_commit_duration_seconds{component}` */
  commitDuration: Histogram<'component'>;
  /** `lakestream_consumer_lag_messages{topic,partition}` */
  consumerLag: Gauge<'topic' | 'partition'>;
  /** `lakestream_last_success_timestamp_seconds{component}` */
  lastSuccess: Gauge<'component'>;
}

/** Options of `createMetrics`. */
export interface MetricsOptions {
  /** Service name, added to every series as the `service` label. */
  service: string;
  /** Also collect prom-client's default process and Node.js metrics; default true. */
  defaultMetrics?: boolean;
}

/**
 * A fresh registry with the shared Lakestream metrics and the default process metrics, every
 * series labelled `service`. A registry per call (not prom-client's global one) keeps tests and
 * several components in one process from colliding on metric names.
 */
export function createMetrics(options: MetricsOptions): LakestreamMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const counter = <L extends string>(name: MetricName, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(
    name: MetricName,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ) => new Histogram<L>({ name, help, labelNames, buckets, registers });
  const gauge = <L extends string>(name: MetricName, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames, registers });

  return {
    registry,
    receivedEvents: counter(METRIC_NAMES.receivedEvents, 'Events accepted from upstream.', [
      'component',
    ]),
    sentEvents: counter(METRIC_NAMES.sentEvents, 'Events delivered downstream.', ['component']),
    receivedBytes: counter(METRIC_NAMES.receivedBytes, 'Bytes accepted from upstream.', [
      'component',
    ]),
    sentBytes: counter(METRIC_NAMES.sentBytes, 'Bytes delivered downstream.', ['component']),
    errors: counter(METRIC_NAMES.errors, 'Errors by stable error code.', ['component', 'code']),
    discardedEvents: counter(
      METRIC_NAMES.discardedEvents,
      'Events sent to a dead-letter topic or quarantine, by reason.',
      ['component', 'reason'],
    ),
    batchSize: histogram(
      METRIC_NAMES.batchSize,
      'Events per flushed batch.',
      ['component'],
      BATCH_SIZE_BUCKETS,
    ),
    batchDuration: histogram(
      METRIC_NAMES.batchDuration,
      'Seconds to build and deliver one batch.',
      ['component'],
      DURATION_BUCKETS,
    ),
    commitDuration: histogram(
      METRIC_NAMES.commitDuration,
      'Seconds to commit offsets or a sink transaction.',
      ['component'],
      DURATION_BUCKETS,
    ),
    consumerLag: gauge(
      METRIC_NAMES.consumerLag,
      'Messages between the committed offset and the high watermark.',
      ['topic', 'partition'],
    ),
    lastSuccess: gauge(
      METRIC_NAMES.lastSuccess,
      'Unix time in seconds of the last successful delivery.',
      ['component'],
    ),
  };
}

/**
 * The `code` label of the shared errors counter for any error, from a small fixed set: an `LS_…`
 * code as it is, a Kafka protocol error type as `KAFKA_<TYPE>`, a kafkajs error class by name,
 * else `UNKNOWN` – never a message, so the label's values stay few.
 */
export function errorMetricCode(err: unknown): string {
  const { code, type, name } = (err ?? {}) as { code?: unknown; type?: unknown; name?: unknown };
  if (typeof code === 'string' && code.startsWith('LS_')) return code;
  if (typeof type === 'string' && /^[A-Z_]+$/.test(type)) return `KAFKA_${type}`;
  if (typeof name === 'string' && name.startsWith('KafkaJS')) return name;
  return 'UNKNOWN';
}
