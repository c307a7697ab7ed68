import { join, resolve } from 'node:path';
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

/** The warehouses the loader can apply silver batches to. */
export const WAREHOUSE_TARGETS = ['duckdb', 'bigquery'] as const;
/** One of `WAREHOUSE_TARGETS`. */
export type WarehouseTargetName = (typeof WAREHOUSE_TARGETS)[number];

/**
 * The warehouse loader's configuration: every variable it reads, validated once at start.
 * The `WAREHOUSE_*` and `BIGQUERY_*` names are shared with the tools that read the same warehouse
 * (dbt, the dashboard) and with the devstack, which exports BIGQUERY_EMULATOR_HOST and
 * BIGQUERY_PROJECT; only the loader's own knobs carry its `WAREHOUSE_LOADER_` prefix.
 */
export const warehouseLoaderConfig = defineConfig({
  prefix: 'WAREHOUSE_LOADER_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    metricsPort: commonFields.metricsPort,
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-warehouse-loader' },
    // A batch being applied is finished, not abandoned: allow for a large one.
    shutdownGraceMs: { ...commonFields.shutdownGraceMs, default: '60s' },
    /** Which warehouse batches go to. */
    target: field('WAREHOUSE_TARGET', envVar.enum(WAREHOUSE_TARGETS), {
      doc: 'Warehouse the batches are applied to: duckdb (a local file) or bigquery.',
      default: 'duckdb',
    }),
    /** DuckDB file; default `$LAKESTREAM_HOME/warehouse.duckdb`. */
    duckdbPath: field('WAREHOUSE_DUCKDB_PATH', envVar.string().optional(), {
      doc: 'DuckDB warehouse file (opened only while a run applies batches). Default: warehouse.duckdb in LAKESTREAM_HOME.',
      example: '/srv/lakestream/warehouse.duckdb',
    }),
    /** Where the silver batches are read from; default `$LAKESTREAM_HOME/lake`. */
    storageUrl: field('WAREHOUSE_LOADER_STORAGE_URL', storeUrlVar.optional(), {
      doc: 'Object store holding the silver layer: gs://bucket/prefix, file:///abs/path or a path. Default: the folder lake/ in LAKESTREAM_HOME. The bigquery target needs gs://.',
      example: 'gs://lakestream-lake/prod',
    }),
    /** fake-gcs-server address for gs:// URLs. */
    storageEmulatorHost: field('STORAGE_EMULATOR_HOST', envVar.string().optional(), {
      doc: 'Cloud Storage emulator (fake-gcs-server) to use for gs:// URLs instead of Google Cloud.',
      example: 'http://127.0.0.1:4443',
    }),
    /** BigQuery project of the dataset and the jobs. */
    bigqueryProject: field('BIGQUERY_PROJECT', envVar.string().optional(), {
      doc: "BigQuery project holding the dataset and running the jobs. Default: the credentials' project.",
      example: 'my-analytics-project',
    }),
    /** BigQuery dataset of the silver tables. */
    bigqueryDataset: field(
      'BIGQUERY_DATASET',
      envVar.string({
        pattern: /^[A-Za-z0-9_]{1,1024}$/,
        expected: 'a dataset id (letters, digits, _)',
      }),
      { doc: 'BigQuery dataset of the silver tables (created when missing).', default: 'silver' },
    ),
    /** BigQuery location of the dataset and jobs. */
    bigqueryLocation: field('BIGQUERY_LOCATION', envVar.string().optional(), {
      doc: "Location the dataset is created in and jobs run in. Default: BigQuery's (US for a new dataset).",
      example: 'EU',
    }),
    /** goccy/bigquery-emulator address; switches the emulator workarounds on. */
    bigqueryEmulatorHost: field('BIGQUERY_EMULATOR_HOST', envVar.url().optional(), {
      doc: 'BigQuery emulator (goccy/bigquery-emulator) to talk to instead of Google Cloud; also switches on the narrow emulator workarounds described above.',
      example: 'http://127.0.0.1:9050',
    }),
    /** The announcements topic the worker consumes. */
    topic: field('WAREHOUSE_LOADER_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of the silver batch announcements (worker mode).',
      default: TOPICS.silverBatches,
    }),
    /** Where the worker confirms each applied batch. */
    appliedTopic: field('WAREHOUSE_LOADER_APPLIED_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'worker: topic the confirmations of applied silver batches go to (the gold refresh follows it).',
      default: TOPICS.silverApplied,
    }),
    /** The worker's consumer group. */
    groupId: field('WAREHOUSE_LOADER_GROUP_ID', envVar.string(), {
      doc: 'Kafka consumer group of the worker.',
      default: CONSUMER_GROUPS.warehouseLoader,
    }),
    /** How often the worker applies what is pending without being told. */
    runIntervalMs: field(
      'WAREHOUSE_LOADER_RUN_INTERVAL',
      envVar.duration({ min: 1_000, max: 86_400_000 }),
      {
        doc: 'Worker: longest time between two runs. Besides each announcement and at start, the worker applies what is pending this long after its last run, so a run that failed or a batch whose announcement was lost is applied within one interval.',
        default: '30s',
      },
    ),
    /** The database sync batch announcements the db worker consumes. */
    dbBatchesTopic: field('WAREHOUSE_LOADER_DB_BATCHES_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'db-worker: topic of the database sync batch announcements.',
      default: TOPICS.dbSyncBatches,
    }),
    /** Where the db worker confirms each applied batch. */
    dbAppliedTopic: field('WAREHOUSE_LOADER_DB_APPLIED_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'db-worker: topic the confirmations of applied database sync batches go to.',
      default: TOPICS.dbSyncApplied,
    }),
    /** The bronze manifests the db worker waits for. */
    bronzeFilesTopic: field('WAREHOUSE_LOADER_BRONZE_FILES_TOPIC', envVar.string(TOPIC_NAME), {
      doc: "db-worker and documents-worker: topic of the bronze manifests (db-worker reads it from the beginning to know which of the table topics' offsets are in bronze; documents-worker consumes it in its group).",
      default: TOPICS.bronzeFiles,
    }),
    /** The db worker's consumer group. */
    dbGroupId: field('WAREHOUSE_LOADER_DB_GROUP_ID', envVar.string(), {
      doc: 'db-worker: Kafka consumer group on the sync batch topic.',
      default: CONSUMER_GROUPS.warehouseLoaderDb,
    }),
    /** The topic whose bronze objects hold quality reports (documents-worker). */
    qualityReportsTopic: field(
      'WAREHOUSE_LOADER_QUALITY_REPORTS_TOPIC',
      envVar.string(TOPIC_NAME),
      {
        doc: 'documents-worker: the topic whose bronze objects hold quality reports; their manifests are merged into reports.quality_stream.',
        default: TOPICS.qualityReports,
      },
    ),
    /** Where the documents worker puts the manifests it can never apply. */
    documentsDeadLetterTopic: field(
      'WAREHOUSE_LOADER_DOCUMENTS_DEAD_LETTER_TOPIC',
      envVar.string(TOPIC_NAME),
      {
        doc: "documents-worker: dead-letter topic of the manifests whose object can never be applied (LS_LOADER_DOCUMENTS_INVALID), written before the worker commits past one; an export run that waits for the group reads it to tell a rejected snapshot from a loaded one. The document sources' quarantine topic by default.",
        default: TOPICS.firestoreQuarantine,
      },
    ),
    /** The documents worker's consumer group. */
    documentsGroupId: field('WAREHOUSE_LOADER_DOCUMENTS_GROUP_ID', envVar.string(), {
      doc: 'documents-worker: Kafka consumer group on the bronze manifest topic (WAREHOUSE_LOADER_BRONZE_FILES_TOPIC).',
      default: CONSUMER_GROUPS.warehouseLoaderDocuments,
    }),
    /** How long a sync batch may wait for the bronze sink. */
    dbCoverageTimeoutMs: field(
      'WAREHOUSE_LOADER_DB_COVERAGE_TIMEOUT',
      envVar.duration({ min: 100, max: 86_400_000 }),
      {
        doc: "db-worker: longest wait for the bronze manifests to cover a sync batch's offsets; then the batch is rejected (LS_LOADER_DB_NOT_IN_BRONZE in its confirmation) and the worker goes on with the next one; db-sync fails that table and keeps its watermark.",
        default: '2m',
      },
    ),
    /** Retries of a transient failure. */
    retries: field('WAREHOUSE_LOADER_RETRIES', envVar.int({ min: 0, max: 100 }), {
      doc: 'Retries of a step that failed transiently (store or warehouse unreachable, DuckDB file locked by another process, BigQuery 5xx/429).',
      default: '8',
    }),
    /** First backoff of a retry. */
    retryBaseMs: field('WAREHOUSE_LOADER_RETRY_BASE', envVar.duration({ min: 1, max: 60_000 }), {
      doc: 'Backoff ceiling of the first retry; doubles each retry (full jitter).',
      default: '200ms',
    }),
    /** Longest backoff of a retry. */
    retryMaxMs: field('WAREHOUSE_LOADER_RETRY_MAX', envVar.duration({ min: 1, max: 600_000 }), {
      doc: 'Longest single backoff between retries.',
      default: '10s',
    }),
    /** Scratch folder for files downloaded from GCS. */
    tempDir: field('WAREHOUSE_LOADER_TEMP_DIR', envVar.string().optional(), {
      doc: "Folder for a batch's Parquet files downloaded from gs:// before DuckDB reads them (removed after each batch). Default: the system's temp folder.",
    }),
    /** Kafka consumer session timeout. */
    sessionTimeoutMs: field(
      'WAREHOUSE_LOADER_SESSION_TIMEOUT',
      envVar.duration({ min: 6_000, max: 300_000 }),
      {
        doc: 'Worker consumer session timeout. Heartbeats continue while a batch is applied.',
        default: '30s',
      },
    ),
  },
});

/** The loaded warehouse loader configuration. */
export type WarehouseLoaderConfig = ConfigOf<typeof warehouseLoaderConfig>;

/** The store URL in effect: the configured one, else `<LAKESTREAM_HOME>/lake`. */
export function storageUrlOf(
  config: Pick<WarehouseLoaderConfig, 'storageUrl' | 'lakestreamHome'>,
  cwd: string = process.cwd(),
): string {
  return config.storageUrl ?? join(resolveLakestreamHome(config.lakestreamHome, cwd), 'lake');
}

/** The DuckDB file in effect (absolute): the configured one, else `<LAKESTREAM_HOME>/warehouse.duckdb`. */
export function duckdbPathOf(
  config: Pick<WarehouseLoaderConfig, 'duckdbPath' | 'lakestreamHome'>,
  cwd: string = process.cwd(),
): string {
  return config.duckdbPath === undefined
    ? join(resolveLakestreamHome(config.lakestreamHome, cwd), 'warehouse.duckdb')
    : resolve(cwd, config.duckdbPath);
}
