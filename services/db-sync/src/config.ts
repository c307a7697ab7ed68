/**
 * db-sync's configuration: a JSON file (`--config FILE`) whose keys are the lower-case names of
 * environment variables, and the environment itself, which wins over the file. Both go through
 * one definition, so a value is validated, typed and documented the same way wherever it is set.
 */
import {
  type ConfigOf,
  commonFields,
  defineConfig,
  envVar,
  envVarTypes,
  field,
  loadConfig,
  readJsonObjectFile,
  settingsAsEnv,
  underEnvironment,
} from '@lakestream/config';
import { TOPIC_NAME, TOPICS } from '@lakestream/kafka';
import { z } from 'zod';
import { DbSyncError } from './errors.js';

/** The warehouses a synced table can land in (the loader writes them). */
export const DB_WAREHOUSE_TARGETS = ['duckdb', 'bigquery'] as const;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const name = { pattern: NAME, expected: 'names of letters, digits, _ and -' };

/** `{"orders":"changed"}` or `orders=changed,items=ts`: table → change-tracking column. */
const tableColumns = z
  .string()
  .transform((raw, ctx): Record<string, string> => {
    const text = raw.trim();
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    let pairs: [string, unknown][];
    if (text.startsWith('{')) {
      try {
        pairs = Object.entries(JSON.parse(text) as object);
      } catch {
        return fail('expected a JSON object of table → column');
      }
    } else {
      pairs = text
        .split(',')
        .filter((part) => part.trim() !== '')
        .map((part) => {
          const [table = '', column = ''] = part.split('=').map((s) => s.trim());
          return [table, column];
        });
    }
    const bad = pairs.filter(([t, c]) => !NAME.test(t) || typeof c !== 'string' || c === '');
    if (bad.length > 0) return fail(`expected table → column, got ${JSON.stringify(bad[0]?.[0])}`);
    return Object.fromEntries(pairs) as Record<string, string>;
  })
  .register(envVarTypes, { type: 'JSON object or table=column list' });

/** Every setting, by the property the service reads; the variable names are the file's keys in upper case. */
export const dbSyncConfig = defineConfig({
  prefix: 'DB_SYNC_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    metricsPort: { ...commonFields.metricsPort, default: '0' },
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-db-sync' },
    // A table under way is finished, not abandoned: allow for its read and its confirmation.
    shutdownGraceMs: { ...commonFields.shutdownGraceMs, default: '10m' },
    /** Source server host. */
    dbHost: field('DB_HOST', envVar.string().optional(), {
      doc: 'MySQL/MariaDB host. Default: the host of MYSQL_URL; one of the two is required.',
      example: 'db.internal',
    }),
    /** Source server port. */
    dbPort: field('DB_PORT', envVar.port().optional(), {
      doc: 'MySQL/MariaDB port. Default: the port of MYSQL_URL, else 3306.',
    }),
    /** Source user. */
    dbUser: field('DB_USER', envVar.string().optional(), {
      doc: 'User the sync reads as (SELECT on the tables, read access to INFORMATION_SCHEMA). Default: the user of MYSQL_URL.',
    }),
    /** Source password; never printed. */
    dbPass: field('DB_PASS', envVar.string().optional(), {
      doc: 'Password of DB_USER. Never printed in logs, errors or status.',
      secret: true,
    }),
    /** The stack's server, used when DB_HOST is not set. */
    mysqlUrl: field('MYSQL_URL', envVar.url({ protocols: ['mysql', 'mariadb'] }).optional(), {
      doc: 'mysql://user:pass@host:port of the source when DB_HOST is not set (the local stack exports it).',
      secret: true,
    }),
    /** Databases to sync. */
    dbList: field('DB_LIST', envVar.list(envVar.string(name)), {
      doc: 'Comma-separated databases to sync (the same tables in each).',
      example: 'shop_eu,shop_us',
    }),
    /** Tables to sync in each database. */
    tableList: field('TABLE_LIST', envVar.list(envVar.string(name)), {
      doc: 'Comma-separated tables synced in each database.',
      example: 'customers,orders',
    }),
    /** How far back each incremental read starts before the last watermark. */
    safeWindowSeconds: field('SAFE_WINDOW_SECONDS', envVar.int({ min: 0, max: 604_800 }), {
      doc: 'Seconds before the last watermark an incremental read starts again: rows committed late with an older change time are caught within this window.',
      default: '300',
    }),
    /** Tables read at the same time (also the connection pool size per database). */
    parallelTables: field('PARALLEL_TABLES', envVar.int({ min: 1, max: 64 }), {
      doc: 'Tables synced at the same time; also the size of each database connection pool.',
      default: '4',
    }),
    /** Per-table change-tracking column, overriding detection. */
    timestampColumns: field('TIMESTAMP_COLUMNS', tableColumns.optional(), {
      doc: 'Change-tracking column per table, overriding detection: {"orders":"changed"} (file) or orders=changed,items=ts.',
    }),
    /** Names a change-tracking column is detected by, in order of preference. */
    cursorColumnNames: field('CURSOR_COLUMN_NAMES', envVar.list(envVar.string(name)), {
      doc: 'Names of change-tracking columns: the first column, in table order, with one of these names and type TIMESTAMP or DATETIME is used.',
      default: 'updated_at,modified_at,last_modified,last_update,updated,changed_at,ts',
    }),
    /** The zone the source's DATETIME values are written in. */
    sourceTimeZone: field('SOURCE_TIME_ZONE', envVar.string(), {
      doc: 'Time zone the source writes DATETIME values in: recorded with every batch and in the state, never applied silently (TIMESTAMP values are read in UTC).',
      default: 'UTC',
    }),
    /** Where the loader writes the tables. */
    warehouseTarget: field('WAREHOUSE_TARGET', envVar.enum(DB_WAREHOUSE_TARGETS), {
      doc: 'Warehouse the loader applies the tables to: duckdb or bigquery (shown in status).',
      default: 'duckdb',
    }),
    /** Where the JSON logs go instead of stderr. */
    logFile: field('DB_SYNC_LOG_FILE', envVar.string().optional(), {
      doc: 'Append the JSON logs to this file instead of stderr (`./commands.sh db-sync` uses $LAKESTREAM_HOME/logs/db-sync.log), so a terminal shows only the decisions, the progress and the summary.',
    }),
    /** Where each table's batch is announced. */
    batchesTopic: field('DB_SYNC_BATCHES_TOPIC', envVar.string(TOPIC_NAME), {
      doc: "Topic of the sync batch announcements (the warehouse loader's db worker reads it).",
      default: TOPICS.dbSyncBatches,
    }),
    /** Where the warehouse confirms each batch. */
    appliedTopic: field('DB_SYNC_APPLIED_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of the confirmations of applied batches, awaited before the state moves.',
      default: TOPICS.dbSyncApplied,
    }),
    /** Longest wait for the warehouse's confirmation of a batch. */
    applyTimeoutMs: field('DB_SYNC_APPLY_TIMEOUT', envVar.duration({ min: 1_000 }), {
      doc: "Longest wait, after a table's batch is announced, for the warehouse loader to confirm it durable; the state moves only after it.",
      default: '10m',
    }),
    /** Attempts of a table's read after a source fault. */
    maxAttempts: field('DB_SYNC_MAX_ATTEMPTS', envVar.int({ min: 1, max: 100 }), {
      doc: "Attempts of a table's read when the source fails transiently (gone, connection reset); each retry publishes under the next attempt number.",
      default: '5',
    }),
    /** First backoff between attempts. */
    retryBaseMs: field('DB_SYNC_RETRY_BASE', envVar.duration({ min: 1, max: 600_000 }), {
      doc: 'Backoff ceiling before the second attempt; doubles each attempt (full jitter, at most 30s).',
      default: '1s',
    }),
    /** Rows per Kafka send. */
    batchRows: field('DB_SYNC_BATCH_ROWS', envVar.int({ min: 1, max: 100_000 }), {
      doc: 'Rows per Kafka send; at most two sends are in flight, which bounds memory on a large table.',
      default: '2000',
    }),
    /** Keys per reconcile record. */
    reconcileRangeRows: field('DB_SYNC_RECONCILE_RANGE', envVar.int({ min: 1, max: 100_000 }), {
      doc: 'Primary keys per `keys` record of --reconcile (one key range each).',
      default: '5000',
    }),
    /** Connection timeout to the source. */
    connectTimeoutMs: field('DB_SYNC_CONNECT_TIMEOUT', envVar.duration({ min: 100 }), {
      doc: 'Timeout of a connection to the source.',
      default: '10s',
    }),
  },
});

/** The loaded configuration (secrets redacted when printed). */
export type DbSyncConfig = ConfigOf<typeof dbSyncConfig>;

/** The keys a config file may hold. */
export const CONFIG_FILE_KEYS = [
  'db_host',
  'db_port',
  'db_user',
  'db_pass',
  'db_list',
  'table_list',
  'safe_window_seconds',
  'parallel_tables',
  'timestamp_columns',
  'cursor_column_names',
  'source_time_zone',
  'warehouse_target',
] as const;

function invalid(message: string): DbSyncError {
  return new DbSyncError('LS_DB_SYNC_CONFIG_INVALID', message);
}

/** The file's settings as environment variables; throws LS_DB_SYNC_CONFIG_INVALID without echoing values. */
function readConfigFile(path: string): Record<string, string> {
  const settings = readJsonObjectFile(path, invalid);
  return settingsAsEnv(`config file ${path}`, settings, { keys: CONFIG_FILE_KEYS, fail: invalid });
}

/**
 * Loads the configuration: the file's settings under the environment's (a variable set to a
 * non-empty value wins). Throws ConfigError listing every problem, or DbSyncError for the file.
 */
export function loadDbSyncConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): DbSyncConfig {
  const env = options.env ?? process.env;
  const fromFile = options.file === undefined ? {} : readConfigFile(options.file);
  const config = loadConfig(dbSyncConfig, underEnvironment(fromFile, env));
  if (config.dbHost === undefined && config.mysqlUrl === undefined) {
    throw invalid('db_host (DB_HOST) is required when MYSQL_URL is not set');
  }
  return config;
}

/** Where and as whom to connect: DB_* settings, filled from MYSQL_URL when DB_HOST is absent. */
export interface SourceEndpoint {
  host: string;
  port: number;
  user: string;
  /** Handed to the client only; never logged. */
  password: string;
}

/** The source endpoint of a loaded configuration. */
export function sourceEndpoint(config: DbSyncConfig): SourceEndpoint {
  const url =
    config.dbHost === undefined && config.mysqlUrl !== undefined
      ? new URL(config.mysqlUrl)
      : undefined;
  return {
    host: config.dbHost ?? url?.hostname ?? '127.0.0.1',
    port: config.dbPort ?? (url?.port ? Number(url.port) : 3306),
    user: config.dbUser ?? (url ? decodeURIComponent(url.username) : 'root'),
    password: config.dbPass ?? (url ? decodeURIComponent(url.password) : ''),
  };
}
