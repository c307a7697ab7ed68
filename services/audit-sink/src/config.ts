import { type ConfigOf, commonFields, defineConfig, envVar, field } from '@lakestream/config';
import { CONSUMER_GROUPS, TOPIC_NAME, TOPICS } from '@lakestream/kafka';

// Lower-case so that it never needs quoting by hand in psql; 63 bytes is PostgreSQL's limit.
const SCHEMA_NAME = {
  pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  expected: 'a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)',
};

/** The audit sink's configuration: every variable it reads, validated once at start. */
export const auditSinkConfig = defineConfig({
  prefix: 'AUDIT_SINK_',
  fields: {
    logLevel: commonFields.logLevel,
    metricsPort: commonFields.metricsPort,
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-audit-sink' },
    shutdownGraceMs: commonFields.shutdownGraceMs,
    /** PostgreSQL connection URL (secret: it may hold a password). */
    databaseUrl: field('DATABASE_URL', envVar.url({ protocols: ['postgres', 'postgresql'] }), {
      doc: 'PostgreSQL connection URL.',
      secret: true,
      example: 'postgres://lakestream:…@127.0.0.1:5432/lakestream',
    }),
    /** Topic consumed. */
    topic: field('AUDIT_SINK_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of OrderItemEvent messages to audit.',
      default: TOPICS.orderItems,
    }),
    /** Dead-letter topic for messages that cannot be stored. */
    dlqTopic: field('AUDIT_SINK_DLQ_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Dead-letter topic for messages that are not valid OrderItemEvents.',
      default: TOPICS.orderItemsDlq,
    }),
    /** Consumer group. */
    groupId: field('AUDIT_SINK_GROUP_ID', envVar.string(), {
      doc: 'Kafka consumer group id; its committed offsets are what has been written.',
      default: CONSUMER_GROUPS.auditSink,
    }),
    /** Target PostgreSQL schema. */
    schema: field('AUDIT_SINK_SCHEMA', envVar.string(SCHEMA_NAME), {
      doc: 'PostgreSQL schema holding order_item_events, order_items_latest and schema_migrations.',
      default: 'bronze',
    }),
    /** Apply pending migrations at start. */
    migrate: field('AUDIT_SINK_MIGRATE', envVar.bool(), {
      doc: 'Apply pending SQL migrations at start (under an advisory lock).',
      default: 'true',
    }),
    /** Most rows written in one PostgreSQL transaction. */
    maxBatchRows: field('AUDIT_SINK_MAX_BATCH_ROWS', envVar.int({ min: 1, max: 100_000 }), {
      doc: 'Most messages written per PostgreSQL transaction (a fetched batch is split above it).',
      default: '5000',
    }),
    /** Kafka fetch size per partition. */
    fetchMaxBytesPerPartition: field(
      'AUDIT_SINK_FETCH_MAX_BYTES_PER_PARTITION',
      envVar.int({ min: 1_024, max: 256 * 1_048_576 }),
      {
        doc: 'Most bytes fetched per partition and request; bounds the size of a fetched batch.',
        default: '8388608',
      },
    ),
    /** Longest a fetch waits for data. */
    fetchMaxWaitMs: field('AUDIT_SINK_FETCH_MAX_WAIT', envVar.duration({ min: 0, max: 30_000 }), {
      doc: 'Longest the broker holds a fetch waiting for data.',
      default: '500ms',
    }),
    /** Partitions written concurrently. */
    partitionsConcurrency: field(
      'AUDIT_SINK_PARTITIONS_CONCURRENCY',
      envVar.int({ min: 1, max: 64 }),
      {
        doc: 'Partitions processed at once, each on its own PostgreSQL connection.',
        default: '2',
      },
    ),
    /** Kafka consumer session timeout. */
    sessionTimeoutMs: field(
      'AUDIT_SINK_SESSION_TIMEOUT',
      envVar.duration({ min: 6_000, max: 300_000 }),
      {
        doc: 'Consumer group session timeout: how soon a dead instance’s partitions move on.',
        default: '30s',
      },
    ),
    /** First retry delay after a PostgreSQL failure. */
    retryBaseMs: field('AUDIT_SINK_RETRY_BASE', envVar.duration({ min: 1, max: 60_000 }), {
      doc: 'Backoff ceiling of the first retry of a failed write; doubles on each retry.',
      default: '200ms',
    }),
    /** Longest retry delay. */
    retryMaxMs: field('AUDIT_SINK_RETRY_MAX', envVar.duration({ min: 1, max: 600_000 }), {
      doc: 'Longest backoff between write retries (writes are retried until PostgreSQL is back).',
      default: '15s',
    }),
    /** PostgreSQL statement timeout. */
    statementTimeoutMs: field(
      'AUDIT_SINK_STATEMENT_TIMEOUT',
      envVar.duration({ min: 100, max: 3_600_000 }),
      {
        doc: 'PostgreSQL statement_timeout of the sink’s sessions; a timed-out write is retried.',
        default: '60s',
      },
    ),
    /** PostgreSQL connect timeout. */
    connectTimeoutMs: field(
      'AUDIT_SINK_PG_CONNECT_TIMEOUT',
      envVar.duration({ min: 100, max: 120_000 }),
      {
        doc: 'Longest a new PostgreSQL connection may take to open.',
        default: '5s',
      },
    ),
    /** application_name of the sink's PostgreSQL sessions. */
    pgApplicationName: field('AUDIT_SINK_PG_APPLICATION_NAME', envVar.string(), {
      doc: 'application_name of the sink’s PostgreSQL sessions (shown in pg_stat_activity).',
      default: 'lakestream-audit-sink',
    }),
  },
});

/** The loaded, typed configuration. */
export type AuditSinkConfig = ConfigOf<typeof auditSinkConfig>;
