/**
 * eurostat-source's configuration: one definition for every command (catalog, watch, and the
 * dataset sync), read from the environment, validated once at start with every problem listed.
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
import { storeUrlVar } from '@lakestream/object-store';

/** Eurostat's dissemination API, where production reads the catalogue, the feed and the datasets. */
export const EUROSTAT_API_BASE = 'https://ec.europa.eu/eurostat/api/dissemination';

// Keywords are matched as plain text in codes and titles: letters, digits, _ and - only, so a
// keyword never reads as a pattern.
const KEYWORD = {
  pattern: /^[A-Za-z0-9_-]{1,64}$/,
  expected: 'keywords of letters, digits, _ and -',
};

/** Every setting, by the property the service reads. */
export const eurostatConfig = defineConfig({
  prefix: 'EUROSTAT_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    metricsPort: { ...commonFields.metricsPort, default: '0' },
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-eurostat-source' },
    // A catalogue load or a watch run under way finishes: both are one transaction of seconds.
    shutdownGraceMs: { ...commonFields.shutdownGraceMs, default: '1m' },
    /** The dissemination API's base URL. */
    apiBase: field('EUROSTAT_API_BASE', envVar.url({ protocols: ['http', 'https'] }), {
      doc: "Base of Eurostat's dissemination API (`…/catalogue/toc/txt`, `…/catalogue/rss/en/statistics-update.rss`, `…/statistics/1.0/data/{code}`). Point it at `./commands.sh eurostat-fixtures` in development.",
      default: EUROSTAT_API_BASE,
      example: 'http://127.0.0.1:8765/eurostat/api/dissemination',
    }),
    /** Language of the titles and labels. */
    language: field('EUROSTAT_LANG', envVar.enum(['en', 'fr', 'de'] as const), {
      doc: 'Language of the table of contents, the feed and the labels.',
      default: 'en',
    }),
    /** Keywords selecting the watched datasets. */
    keywords: field('EUROSTAT_KEYWORDS', envVar.list(envVar.string(KEYWORD)), {
      doc: 'Comma-separated keywords: a dataset or table whose code or title contains one (case-insensitive) is watched.',
      default: 'HLTH',
      example: 'HLTH,DEMO_R',
    }),
    /** PostgreSQL, holding the `eurostat` schema. */
    databaseUrl: field('DATABASE_URL', envVar.url({ protocols: ['postgres', 'postgresql'] }), {
      doc: 'PostgreSQL connection URL; the service keeps its catalogue, watchlist, loads and announcements in the schema `eurostat`.',
      secret: true,
      example: 'postgres://lakestream:…@127.0.0.1:5432/lakestream',
    }),
    /** Where update events go. */
    updatesTopic: field('EUROSTAT_UPDATES_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of the dataset update events (keyed by dataset code) that trigger a dataset sync.',
      default: TOPICS.eurostatUpdates,
    }),
    /** Where landed raw answers are announced. */
    manifestTopic: field('EUROSTAT_MANIFEST_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Bronze manifest topic on which the sync announces each raw answer it lands (a file manifest keyed `file+eurostat+<code>`).',
      default: TOPICS.bronzeFiles,
    }),
    /** The catalogue's schedule when no `--every` is given. */
    catalogEveryMs: field('EUROSTAT_CATALOG_EVERY', envVar.duration({ min: 1_000 }).optional(), {
      doc: '`eurostat catalog` runs again every interval (like `--every`, which wins); unset, it runs once (Kubernetes schedules it weekly).',
      example: '7d',
    }),
    /** The watch's schedule when no `--every` is given. */
    watchEveryMs: field('EUROSTAT_WATCH_EVERY', envVar.duration({ min: 1_000 }).optional(), {
      doc: '`eurostat watch` runs again every interval (like `--every`, which wins); unset, it runs once (Kubernetes schedules it twice a day).',
      example: '12h',
    }),
    /** How far back feed events count. */
    feedDays: field('EUROSTAT_FEED_DAYS', envVar.int({ min: 1, max: 60 }), {
      doc: 'Feed events older than this many days are ignored (the feed holds the last days; the catalogue dates cover older changes).',
      default: '7',
    }),
    /** Timeout of one HTTP request. */
    httpTimeoutMs: field('EUROSTAT_HTTP_TIMEOUT', envVar.duration({ min: 100 }), {
      doc: 'Timeout of one request to Eurostat, headers and body.',
      default: '2m',
    }),
    /** Attempts of one request. */
    maxAttempts: field('EUROSTAT_MAX_ATTEMPTS', envVar.int({ min: 1, max: 20 }), {
      doc: 'Attempts of a request that fails transiently (network fault, timeout, 429, 5xx).',
      default: '5',
    }),
    /** First backoff between attempts. */
    retryBaseMs: field('EUROSTAT_RETRY_BASE', envVar.duration({ min: 1, max: 600_000 }), {
      doc: 'Backoff ceiling before the second attempt; doubles each attempt (full jitter, at most 30s).',
      default: '1s',
    }),
    /** The lake (bronze answers, silver Parquet); default `$LAKESTREAM_HOME/lake`. */
    storageUrl: field('EUROSTAT_STORAGE_URL', storeUrlVar.optional(), {
      doc: 'Object store of the lake: gs://bucket/prefix, file:///abs/path or a path. Default: the folder lake/ in LAKESTREAM_HOME.',
      example: 'gs://lakestream-lake/prod',
    }),
    /** fake-gcs-server address for gs:// URLs. */
    storageEmulatorHost: field('STORAGE_EMULATOR_HOST', envVar.string().optional(), {
      doc: 'Cloud Storage emulator (fake-gcs-server) to use for gs:// URLs instead of Google Cloud.',
      example: 'http://127.0.0.1:4443',
    }),
    /** Longest wait for an asynchronous answer. */
    asyncTimeoutMs: field('EUROSTAT_ASYNC_TIMEOUT', envVar.duration({ min: 100 }), {
      doc: 'How long a dataset download waits for an asynchronous answer (Eurostat prepares large extractions in the background) before failing; the worker tries the event again later.',
      default: '30m',
    }),
    /** First pause between polls of an asynchronous answer. */
    asyncPollMs: field('EUROSTAT_ASYNC_POLL', envVar.duration({ min: 1, max: 600_000 }), {
      doc: 'First pause before polling an asynchronous answer; doubles each poll, at most 30s.',
      default: '5s',
    }),
    /** The sync worker's consumer group. */
    syncGroupId: field('EUROSTAT_SYNC_GROUP', envVar.string(), {
      doc: 'Consumer group of the sync worker on the updates topic.',
      default: CONSUMER_GROUPS.eurostatSync,
    }),
    /** The sync worker's consumer session timeout. */
    syncSessionTimeoutMs: field(
      'EUROSTAT_SYNC_SESSION_TIMEOUT',
      envVar.duration({ min: 6_000, max: 300_000 }),
      {
        doc: "Session timeout of the sync worker's consumer (it heartbeats during a long download).",
        default: '30s',
      },
    ),
    /** Pause before a failed update event is tried again. */
    syncRetryDelayMs: field(
      'EUROSTAT_SYNC_RETRY_DELAY',
      envVar.duration({ min: 1, max: 3_600_000 }),
      {
        doc: 'Pause before the sync worker tries an update event again after a transient failure (its offset is not committed meanwhile).',
        default: '30s',
      },
    ),
    /** The quality gate's largest row-count change, in percent. */
    maxRowChangePercent: field('EUROSTAT_MAX_ROW_CHANGE', envVar.int({ min: 0, max: 100_000 }), {
      doc: "Largest change of a dataset version's row count against the published version, in percent (50 = ±50 %); a larger change rejects the version and keeps the published one.",
      default: '50',
    }),
    /** Where the JSON logs go instead of stderr. */
    logFile: field('EUROSTAT_SOURCE_LOG_FILE', envVar.string().optional(), {
      doc: 'Append the JSON logs to this file instead of stderr (`./commands.sh eurostat` uses $LAKESTREAM_HOME/logs/eurostat-source.log), so a terminal shows the summaries and the errors.',
    }),
  },
});

/** The loaded configuration (secrets redacted when printed). */
export type EurostatConfig = ConfigOf<typeof eurostatConfig>;

/** Loads the configuration from the environment; throws ConfigError listing every problem. */
export function loadEurostatConfig(env: NodeJS.ProcessEnv = process.env): EurostatConfig {
  return loadConfig(eurostatConfig, env);
}
