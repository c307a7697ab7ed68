/**
 * The configuration of the quality-report commands (`backfill`, `quality-events`): one
 * definition, from the environment, validated at start with every problem listed together.
 */
import {
  type ConfigOf,
  commonFields,
  defineConfig,
  envVar,
  field,
  loadConfig,
} from '@lakestream/config';
import { CONSUMER_GROUPS, TOPIC_NAME, TOPICS } from '@lakestream/kafka';

/** Every setting, by the property the commands read. */
export const qualityConfig = defineConfig({
  prefix: 'QUALITY_',
  fields: {
    logLevel: commonFields.logLevel,
    metricsPort: { ...commonFields.metricsPort, default: '0' },
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-firestore-quality' },
    shutdownGraceMs: { ...commonFields.shutdownGraceMs, default: '30s' },
    /** Where the reports go. */
    reportsTopic: field('QUALITY_REPORTS_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic the reports are published to, keyed by insert_id (the bronze sink of the documents group lands it).',
      default: TOPICS.qualityReports,
    }),
    /** Where bad export records go. */
    quarantineTopic: field('QUALITY_QUARANTINE_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of the dead letters of bad export input (DeadLetterRecord, source kind export).',
      default: TOPICS.firestoreQuarantine,
    }),
    /** Records per Kafka send. */
    batchRecords: field('QUALITY_BATCH_RECORDS', envVar.int({ min: 1, max: 100_000 }), {
      doc: 'Records per Kafka send.',
      default: '2000',
    }),
    /** Sends pending at once. */
    maxInFlight: field('QUALITY_MAX_IN_FLIGHT', envVar.int({ min: 1, max: 16 }), {
      doc: 'Sends awaiting their acknowledgement at once; the reader waits beyond it, which bounds memory.',
      default: '4',
    }),
    /** Distinct insert ids remembered for the in-run deduplication. */
    dedupLimit: field('QUALITY_DEDUP_LIMIT', envVar.int({ min: 0, max: 50_000_000 }), {
      doc: 'Distinct insert ids a backfill remembers to drop duplicates (about 120 bytes each for 20-character team and report ids: the default holds 2M in ~250 MB); beyond it, duplicates of ids not remembered are published and the warehouse MERGE absorbs them.',
      default: '2000000',
    }),
    /** `--wait`: the manifest topic the bronze sink announces the report objects on. */
    manifestTopic: field('QUALITY_MANIFEST_TOPIC', envVar.string(TOPIC_NAME), {
      doc: '--wait: the bronze manifest topic the documents bronze sink announces objects on.',
      default: TOPICS.bronzeFiles,
    }),
    /** `--wait`: the bronze sink group on the reports topic. */
    bronzeGroup: field('QUALITY_BRONZE_GROUP', envVar.string(), {
      doc: '--wait: consumer group of the bronze sink that lands the reports topic.',
      default: CONSUMER_GROUPS.bronzeSinkDocuments,
    }),
    /** `--wait`: the documents loader group on the manifest topic. */
    loaderGroup: field('QUALITY_LOADER_GROUP', envVar.string(), {
      doc: '--wait: consumer group of the warehouse loader that applies the report objects.',
      default: CONSUMER_GROUPS.warehouseLoaderDocuments,
    }),
    /** `--wait`: longest wait for each of the two groups. */
    waitTimeoutMs: field('QUALITY_WAIT_TIMEOUT', envVar.duration({ min: 100 }), {
      doc: '--wait: longest wait for the bronze sink, then for the loader, to commit past the run.',
      default: '10m',
    }),
  },
});

/** The loaded configuration. */
export type QualityConfig = ConfigOf<typeof qualityConfig>;

/** Loads the configuration; throws ConfigError listing every problem. */
export function loadQualityConfig(env: NodeJS.ProcessEnv = process.env): QualityConfig {
  return loadConfig(qualityConfig, env);
}
