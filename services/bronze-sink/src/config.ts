import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  type ConfigOf,
  commonFields,
  defineConfig,
  envVar,
  field,
  resolveLakestreamHome,
} from '@lakestream/config';
import { CONSUMER_GROUPS, TOPIC_NAME, TOPICS } from '@lakestream/kafka';
import { storeUrlVar } from '@lakestream/object-store';

/** The bronze sink's configuration: every variable it reads, validated once at start. */
export const bronzeSinkConfig = defineConfig({
  prefix: 'BRONZE_SINK_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    metricsPort: commonFields.metricsPort,
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-bronze-sink' },
    // A flush uploads up to one object per partition: allow more than the common 10 s.
    shutdownGraceMs: { ...commonFields.shutdownGraceMs, default: '30s' },
    /** Topics consumed. */
    topics: field('BRONZE_SINK_TOPICS', envVar.list(envVar.string(TOPIC_NAME)), {
      doc: 'Comma-separated topics copied to bronze.',
      default: TOPICS.orderItems,
    }),
    /** Consumer group; also the root of the per-partition transactional ids. */
    groupId: field('BRONZE_SINK_GROUP_ID', envVar.string(), {
      doc: "Kafka consumer group id. Each partition's transactional id is `<group>.<topic>.<partition>`, so every instance of a group fences every other on that partition.",
      default: CONSUMER_GROUPS.bronzeSink,
    }),
    /** Topic the object manifests are produced to. */
    manifestTopic: field('BRONZE_SINK_MANIFEST_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of the manifests announcing each committed object (created when missing).',
      default: TOPICS.bronzeFiles,
    }),
    /** Where objects go; default `$LAKESTREAM_HOME/lake`. */
    storageUrl: field('BRONZE_SINK_STORAGE_URL', storeUrlVar.optional(), {
      doc: 'Object store: gs://bucket/prefix, file:///abs/path or a path. Default: the folder lake/ in LAKESTREAM_HOME.',
      example: 'gs://lakestream-lake/prod',
    }),
    /** fake-gcs-server address for gs:// URLs (the variable @google-cloud/storage itself knows). */
    storageEmulatorHost: field('STORAGE_EMULATOR_HOST', envVar.string().optional(), {
      doc: 'Cloud Storage emulator (fake-gcs-server) to use for gs:// URLs instead of Google Cloud.',
      example: 'http://127.0.0.1:4443',
    }),
    /** Records per object, at most. */
    maxRecords: field('BRONZE_SINK_MAX_RECORDS', envVar.int({ min: 1, max: 10_000_000 }), {
      doc: 'Most records in one object.',
      default: '50000',
    }),
    /** Uncompressed bytes per object, at most. */
    maxBytes: field('BRONZE_SINK_MAX_BYTES', envVar.int({ min: 1_024, max: 1_073_741_824 }), {
      doc: 'Most uncompressed JSON-lines bytes in one object (one such buffer per partition is held in memory, compressed).',
      default: '67108864',
    }),
    /** Flush a buffer that received nothing for this long. */
    idleFlushMs: field('BRONZE_SINK_IDLE_FLUSH', envVar.duration({ min: 10, max: 3_600_000 }), {
      doc: "Flush a partition's buffer when no record has arrived for it for this long, so a quiet topic still lands its data, and the end of a burst lands a second after it.",
      default: '1s',
    }),
    /** Flush a buffer at the latest this long after its first record. */
    maxBufferAgeMs: field(
      'BRONZE_SINK_MAX_BUFFER_AGE',
      envVar.duration({ min: 10, max: 86_400_000 }),
      {
        doc: "Flush a partition's buffer at the latest this long after its first record, even while records keep trickling in.",
        default: '1m',
      },
    ),
    /**
     * gzip level of the objects. 3 rather than zlib's 6: on event JSON it costs under half the CPU
     * for objects about a quarter larger, and the sink shares its cores with the stream it lands.
     */
    gzipLevel: field('BRONZE_SINK_GZIP_LEVEL', envVar.int({ min: 1, max: 9 }), {
      doc: 'gzip compression level (1 fastest … 9 smallest).',
      default: '3',
    }),
    /** Name of this instance in logs and manifests. */
    instanceId: field(
      'BRONZE_SINK_INSTANCE_ID',
      envVar
        .string({ pattern: /^[A-Za-z0-9._-]{1,100}$/, expected: 'letters, digits, . _ -' })
        .optional(),
      {
        doc: 'Name of this instance in logs, metrics and manifests (`writer`). Default: the host name.',
      },
    ),
    /** Kafka consumer session timeout. */
    sessionTimeoutMs: field(
      'BRONZE_SINK_SESSION_TIMEOUT',
      envVar.duration({ min: 6_000, max: 300_000 }),
      {
        doc: 'Consumer session timeout: how long a silent (crashed) instance keeps its partitions.',
        default: '30s',
      },
    ),
    /** Kafka consumer rebalance timeout. */
    rebalanceTimeoutMs: field(
      'BRONZE_SINK_REBALANCE_TIMEOUT',
      envVar.duration({ min: 6_000, max: 600_000 }),
      {
        doc: 'How long a rebalance waits for members to rejoin; a member waiting for an upload (back-pressure) rejoins once it is done.',
        default: '60s',
      },
    ),
    /** Kafka consumer heartbeat interval. */
    heartbeatIntervalMs: field(
      'BRONZE_SINK_HEARTBEAT_INTERVAL',
      envVar.duration({ min: 100, max: 60_000 }),
      { doc: 'Consumer heartbeat interval; well under the session timeout.', default: '3s' },
    ),
    /** Kafka transaction timeout. */
    transactionTimeoutMs: field(
      'BRONZE_SINK_TRANSACTION_TIMEOUT',
      envVar.duration({ min: 1_000, max: 900_000 }),
      {
        doc: 'Kafka transaction timeout: after it, the broker aborts a transaction its producer left open.',
        default: '60s',
      },
    ),
    /** Most bytes fetched per partition and request. */
    fetchMaxBytesPerPartition: field(
      'BRONZE_SINK_FETCH_MAX_BYTES_PER_PARTITION',
      envVar.int({ min: 1_024, max: 256 * 1_048_576 }),
      { doc: 'Most bytes fetched per partition and request.', default: '1048576' },
    ),
    /** Longest a fetch waits for data. */
    fetchMaxWaitMs: field('BRONZE_SINK_FETCH_MAX_WAIT', envVar.duration({ min: 0, max: 30_000 }), {
      doc: 'Longest the broker holds a fetch waiting for data (also bounds how fast intake stops).',
      default: '500ms',
    }),
  },
});

/** The loaded bronze sink configuration. */
export type BronzeSinkConfig = ConfigOf<typeof bronzeSinkConfig>;

/** The store URL in effect: the configured one, else `<LAKESTREAM_HOME>/lake`. */
export function storageUrlOf(
  config: Pick<BronzeSinkConfig, 'storageUrl' | 'lakestreamHome'>,
): string {
  return config.storageUrl ?? join(resolveLakestreamHome(config.lakestreamHome), 'lake');
}

/** The instance id in effect: the configured one, else the host name. */
export function instanceIdOf(config: Pick<BronzeSinkConfig, 'instanceId'>): string {
  return config.instanceId ?? hostname();
}
