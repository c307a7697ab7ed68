import { tmpdir } from 'node:os';
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

/** How pending bronze objects are found. */
export const DISCOVERY_MODES = ['manifests', 'listing'] as const;
/** One of `DISCOVERY_MODES`. */
export type DiscoveryMode = (typeof DISCOVERY_MODES)[number];

/** The transformer's configuration: every variable it reads, validated once at start. */
export const transformerConfig = defineConfig({
  prefix: 'TRANSFORMER_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    metricsPort: commonFields.metricsPort,
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-transformer' },
    // A batch in flight is allowed to finish: it takes seconds to tens of seconds.
    shutdownGraceMs: { ...commonFields.shutdownGraceMs, default: '2m' },
    /** Object store holding bronze (read) and silver (written); default `$LAKESTREAM_HOME/lake`. */
    storageUrl: field('TRANSFORMER_STORAGE_URL', storeUrlVar.optional(), {
      doc: 'Object store holding bronze/ and silver/: gs://bucket/prefix, file:///abs/path or a path. Default: the folder lake/ in LAKESTREAM_HOME.',
      example: 'gs://lakestream-lake/prod',
    }),
    /** fake-gcs-server address for gs:// URLs (the variable @google-cloud/storage itself knows). */
    storageEmulatorHost: field('STORAGE_EMULATOR_HOST', envVar.string().optional(), {
      doc: 'Cloud Storage emulator (fake-gcs-server) to use for gs:// URLs instead of Google Cloud.',
      example: 'http://127.0.0.1:4443',
    }),
    /** The bronze topic whose objects are transformed. */
    sourceTopic: field('TRANSFORMER_SOURCE_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic whose bronze objects are transformed (its folder bronze/<topic>/).',
      default: TOPICS.orderItems,
    }),
    /** Where the bronze sink announces committed objects. */
    manifestTopic: field('TRANSFORMER_MANIFEST_TOPIC', envVar.string(TOPIC_NAME), {
      doc: "The bronze sink's manifest topic, read from its earliest offset (read_committed) to find the objects.",
      default: TOPICS.bronzeFiles,
    }),
    /** Where published batches are announced. */
    announceTopic: field('TRANSFORMER_ANNOUNCE_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic each published batch is announced on (created with one partition when missing).',
      default: TOPICS.silverBatches,
    }),
    /** The bronze sink's consumer group, for the listing fallback. */
    bronzeGroupId: field('TRANSFORMER_BRONZE_GROUP_ID', envVar.string(), {
      doc: "The bronze sink's consumer group: with discovery by listing, only objects below its committed offsets count as data.",
      default: CONSUMER_GROUPS.bronzeSink,
    }),
    /** Discovery mode. */
    discover: field('TRANSFORMER_DISCOVER', envVar.enum(DISCOVERY_MODES), {
      doc: 'How pending objects are found: `manifests` (the manifest topic; falls back to `listing` by itself when retention dropped manifests) or `listing` (list bronze/<topic>/, keep objects below the committed offsets). `--discover` overrides.',
      default: 'manifests',
    }),
    /** Cap on objects per batch. */
    maxObjects: field(
      'TRANSFORMER_MAX_OBJECTS',
      envVar.int({ min: 1, max: 1_000_000 }).optional(),
      {
        doc: 'Most bronze objects in one batch (a prefix of each partition, in offset order). Default: everything pending. `--max-objects` overrides.',
      },
    ),
    /** The worker's consumer group. */
    groupId: field('TRANSFORMER_GROUP_ID', envVar.string(), {
      doc: 'Consumer group of `worker` on the manifest topic (offsets are committed once a batch is published).',
      default: CONSUMER_GROUPS.transformer,
    }),
    /** The worker's debounce. */
    debounceMs: field('TRANSFORMER_DEBOUNCE', envVar.duration({ min: 0, max: 3_600_000 }), {
      doc: '`worker`: how long to wait after a manifest arrives (and since the last one) before running a batch, so a burst of objects makes one batch.',
      default: '5s',
    }),
    /** The worker's longest wait. */
    maxWaitMs: field('TRANSFORMER_MAX_WAIT', envVar.duration({ min: 0, max: 86_400_000 }), {
      doc: '`worker`: longest a manifest waits for its batch while others keep arriving.',
      default: '1m',
    }),
    /** How long reading the manifest topic to its end may take. */
    discoveryTimeoutMs: field(
      'TRANSFORMER_DISCOVERY_TIMEOUT',
      envVar.duration({ min: 1_000, max: 600_000 }),
      {
        doc: 'Longest reading the manifest topic to its last stable offset may take.',
        default: '60s',
      },
    ),
    /** Local scratch space. */
    workDir: field('TRANSFORMER_WORK_DIR', envVar.string().optional(), {
      doc: 'Scratch folder (objects downloaded from GCS, Parquet before upload, DuckDB spill files). Default: the system temp folder.',
    }),
    /** DuckDB threads. */
    duckdbThreads: field(
      'TRANSFORMER_DUCKDB_THREADS',
      envVar.int({ min: 1, max: 256 }).optional(),
      {
        doc: 'DuckDB worker threads. Default: one per CPU.',
      },
    ),
    /** DuckDB memory limit. */
    duckdbMemoryLimit: field(
      'TRANSFORMER_DUCKDB_MEMORY_LIMIT',
      envVar
        .string({
          pattern: /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i,
          expected: 'a size like 2GB',
        })
        .optional(),
      {
        doc: 'DuckDB memory limit, e.g. `2GB` (beyond it DuckDB spills to the work folder). Default: 80% of RAM.',
      },
    ),
  },
});

/** The loaded transformer configuration. */
export type TransformerConfig = ConfigOf<typeof transformerConfig>;

/** The store URL in effect: the configured one, else `<LAKESTREAM_HOME>/lake`. */
export function storageUrlOf(
  config: Pick<TransformerConfig, 'storageUrl' | 'lakestreamHome'>,
): string {
  return config.storageUrl ?? join(resolveLakestreamHome(config.lakestreamHome), 'lake');
}

/** The scratch folder in effect. */
export function workDirOf(config: Pick<TransformerConfig, 'workDir'>): string {
  return config.workDir ?? tmpdir();
}
