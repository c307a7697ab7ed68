import { isAbsolute, join, resolve } from 'node:path';
import {
  ConfigError,
  type ConfigOf,
  commonFields,
  defineConfig,
  envVar,
  envVarTypes,
  field,
  loadConfig,
  resolveLakestreamHome,
} from '@lakestream/config';
import { TOPIC_NAME, TOPICS } from '@lakestream/kafka';
import { storeUrlVar } from '@lakestream/object-store';

/** `group@topic`: a consumer group and the topic whose lag is shown for it. */
const lagTarget = envVar
  .string()
  .transform((text, ctx) => {
    const at = text.lastIndexOf('@');
    const groupId = text.slice(0, at).trim();
    const topic = text.slice(at + 1).trim();
    if (at <= 0 || groupId === '' || !TOPIC_NAME.pattern.test(topic)) {
      ctx.addIssue({ code: 'custom', message: 'expected <consumer group>@<topic>' });
      return { groupId: '', topic: '' };
    }
    return { groupId, topic };
  })
  .register(envVarTypes, { type: 'group@topic' });

/** The dashboard's configuration: every variable it reads, validated once at start. */
export const dashboardConfig = defineConfig({
  prefix: 'DASHBOARD_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    shutdownGraceMs: commonFields.shutdownGraceMs,
    /** Port of the page, its API and /healthz /readyz /metrics. */
    port: field('DASHBOARD_PORT', envVar.port(), {
      doc: 'Port of the page, its /api endpoints and /healthz, /readyz, /metrics; 0 picks a free port.',
      default: '8080',
    }),
    /** Interface the server binds to. */
    host: field('DASHBOARD_HOST', envVar.string(), {
      doc: 'Interface the server binds to; 0.0.0.0 in a container.',
      default: '127.0.0.1',
    }),
    /** Which warehouse the gold tables are read from. */
    warehouse: field('DASHBOARD_WAREHOUSE', envVar.enum(['duckdb', 'bigquery']), {
      doc: 'Warehouse holding the gold tables: the local DuckDB file, or BigQuery (needs BIGQUERY_PROJECT).',
      default: 'duckdb',
    }),
    /** DuckDB file; default `$LAKESTREAM_HOME/warehouse.duckdb`. */
    duckdbPath: field('DASHBOARD_DUCKDB_PATH', envVar.string().optional(), {
      doc: 'DuckDB warehouse file, opened read-only for each request and closed after it. Default: warehouse.duckdb in LAKESTREAM_HOME.',
    }),
    /** BigQuery project. */
    bigqueryProject: field('BIGQUERY_PROJECT', envVar.string().optional(), {
      doc: 'Google Cloud project of the BigQuery warehouse (required when DASHBOARD_WAREHOUSE=bigquery).',
      example: 'lakestream-prod',
    }),
    /** BigQuery dataset of the gold tables. */
    bigqueryDataset: field(
      'DASHBOARD_BIGQUERY_DATASET',
      envVar.string({ pattern: /^[A-Za-z0-9_]{1,1024}$/, expected: 'a BigQuery dataset id' }),
      { doc: 'BigQuery dataset holding the gold tables.', default: 'gold' },
    ),
    /** BigQuery emulator. */
    bigqueryEmulatorHost: field('BIGQUERY_EMULATOR_HOST', envVar.url().optional(), {
      doc: 'BigQuery emulator to use instead of Google Cloud (local tests).',
      example: 'http://127.0.0.1:9050',
    }),
    /** Longest one warehouse query may run. */
    queryTimeoutMs: field('DASHBOARD_QUERY_TIMEOUT', envVar.duration({ min: 100, max: 600_000 }), {
      doc: 'Longest one warehouse query may take before the request answers 503.',
      default: '20s',
    }),
    /** How long answers are reused. */
    cacheTtlMs: field('DASHBOARD_CACHE_TTL', envVar.duration({ min: 0, max: 3_600_000 }), {
      doc: 'How long a chart, summary or pipeline answer is reused before the source is asked again (0ms: never reused). Concurrent requests always share one query.',
      default: '5s',
    }),
    /** How often the page reloads its data. */
    refreshMs: field('DASHBOARD_REFRESH', envVar.duration({ min: 0, max: 86_400_000 }), {
      doc: 'How often the open page reloads its data (0ms: only with its Refresh button).',
      default: '1m',
    }),
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-dashboard' },
    /** Consumer groups whose lag is shown. */
    lagGroups: field('DASHBOARD_LAG_GROUPS', envVar.list(lagTarget), {
      doc: 'Consumer groups whose lag the page shows, as comma-separated `group@topic` entries (the topic after the last @).',
      default: `lakestream-bronze-sink@${TOPICS.orderItems},lakestream-audit-sink@${TOPICS.orderItems}`,
    }),
    /** Longest the consumer-lag look-up may take. */
    kafkaTimeoutMs: field('DASHBOARD_KAFKA_TIMEOUT', envVar.duration({ min: 100, max: 60_000 }), {
      doc: 'Longest the consumer-lag look-up may take; past it (or when Kafka cannot be reached) the page shows the lag as unavailable.',
      default: '5s',
    }),
    /** Object store of the lake; default `$LAKESTREAM_HOME/lake`. */
    storageUrl: field('DASHBOARD_STORAGE_URL', storeUrlVar.optional(), {
      doc: 'Object store holding bronze/ and silver/: gs://bucket/prefix, file:///abs/path or a path. Default: the folder lake/ in LAKESTREAM_HOME.',
      example: 'gs://lakestream-lake/prod',
    }),
    /** fake-gcs-server address for gs:// URLs. */
    storageEmulatorHost: field('STORAGE_EMULATOR_HOST', envVar.string().optional(), {
      doc: 'Cloud Storage emulator (fake-gcs-server) to use for gs:// URLs instead of Google Cloud.',
      example: 'http://127.0.0.1:4443',
    }),
    /** dbt's run_results.json. */
    dbtRunResults: field('DASHBOARD_DBT_RUN_RESULTS', envVar.string().optional(), {
      doc: "dbt's run_results.json, read for the last dbt run. Default: $LAKESTREAM_HOME/dbt/target/run_results.json (where dbt/scripts/dbt.sh writes it).",
    }),
  },
});

/** The loaded dashboard configuration. */
export type DashboardConfig = ConfigOf<typeof dashboardConfig>;

/**
 * Loads and checks the configuration, including what one variable alone cannot say (BigQuery
 * needs a project); throws a `ConfigError` listing every problem.
 */
export function loadDashboardConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  const config = loadConfig(dashboardConfig, env);
  if (config.warehouse === 'bigquery' && config.bigqueryProject === undefined) {
    throw new ConfigError([
      {
        variable: 'BIGQUERY_PROJECT',
        kind: 'missing',
        message: 'BIGQUERY_PROJECT: required when DASHBOARD_WAREHOUSE=bigquery',
      },
    ]);
  }
  return config;
}

/** The DuckDB file in effect: the configured one, else `<LAKESTREAM_HOME>/warehouse.duckdb`. */
export function duckdbPathOf(config: Pick<DashboardConfig, 'duckdbPath' | 'lakestreamHome'>) {
  return resolve(
    config.duckdbPath ?? join(resolveLakestreamHome(config.lakestreamHome), 'warehouse.duckdb'),
  );
}

/** The store URL in effect: the configured one, else `<LAKESTREAM_HOME>/lake`. */
export function storageUrlOf(config: Pick<DashboardConfig, 'storageUrl' | 'lakestreamHome'>) {
  return config.storageUrl ?? join(resolveLakestreamHome(config.lakestreamHome), 'lake');
}

/**
 * The run_results.json in effect: the configured one, else `<LAKESTREAM_HOME>/dbt/target/`, where
 * dbt/scripts/dbt.sh points dbt's target path.
 */
export function dbtRunResultsOf(
  config: Pick<DashboardConfig, 'dbtRunResults' | 'lakestreamHome'>,
): string {
  const path =
    config.dbtRunResults ??
    join(resolveLakestreamHome(config.lakestreamHome), 'dbt', 'target', 'run_results.json');
  return isAbsolute(path) ? path : resolve(path);
}
