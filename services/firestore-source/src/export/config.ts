/**
 * The export's configuration: a JSON file (`--config FILE`) holding environment profiles and
 * settings, and the environment, which wins over the file. A profile (`--profile dev`) selects
 * the projects and collections of one environment:
 *
 *   {"profiles": {"dev": {"projects": ["p1"], "collections": ["teams", "pods"]}}, "page_size": 500}
 *
 * Every other key of the file is a variable's name without `FIRESTORE_EXPORT_`, in lower case.
 * File and environment go through one definition, so a value is validated, typed and documented
 * the same way wherever it is set.
 */
import { join } from 'node:path';
import {
  type ConfigOf,
  commonFields,
  defineConfig,
  envVar,
  field,
  loadConfig,
  readJsonObjectFile,
  resolveLakestreamHome,
  settingsAsEnv,
  underEnvironment,
} from '@lakestream/config';
import { CONSUMER_GROUPS, TOPIC_NAME, TOPICS } from '@lakestream/kafka';
import { storeUrlVar } from '@lakestream/object-store';
import { ExportError } from './errors.js';

const PROJECT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
// Collection ids become warehouse table names: letters, digits, _ and -, no `__` reserved ids.
const COLLECTION = /^(?!__)[A-Za-z0-9_-]{1,128}$/;

/** Every setting, by the property the export reads. */
export const exportConfig = defineConfig({
  prefix: 'FIRESTORE_EXPORT_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    metricsPort: { ...commonFields.metricsPort, default: '0' },
    metricsHost: commonFields.metricsHost,
    metricsPortFile: commonFields.metricsPortFile,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-firestore-export' },
    // A collection under way is finished, not abandoned: allow for its read and the loader.
    shutdownGraceMs: { ...commonFields.shutdownGraceMs, default: '10m' },
    /** Projects exported (the profile's, unless set). */
    projects: field(
      'FIRESTORE_EXPORT_PROJECTS',
      envVar.list(envVar.string({ pattern: PROJECT, expected: 'project ids' })),
      {
        doc: "Comma-separated Google Cloud projects whose collections are exported; default the profile's `projects`.",
        example: 'acme-dev,acme-tools-dev',
      },
    ),
    /** Collections exported in each project. */
    collections: field(
      'FIRESTORE_EXPORT_COLLECTIONS',
      envVar.list(
        envVar.string({
          pattern: COLLECTION,
          expected: 'collection ids of letters, digits, _ and -',
        }),
      ),
      {
        doc: "Comma-separated root collections exported from each project; default the profile's `collections`.",
        example: 'teams,pods',
      },
    ),
    /** Whether subcollections are exported too. */
    subcollections: field('FIRESTORE_EXPORT_SUBCOLLECTIONS', envVar.bool(), {
      doc: "Also export every subcollection under a collection's documents, each as its own table `<collection>__<subcollection>` (deeper levels add `__<id>`); default the profile's `subcollections`, else false.",
      default: 'false',
    }),
    /** Documents per query page. */
    pageSize: field('FIRESTORE_EXPORT_PAGE_SIZE', envVar.int({ min: 1, max: 10_000 }), {
      doc: 'Documents read per query page (ordered by document name, resumed after the last one).',
      default: '500',
    }),
    /** Where objects go; default `$LAKESTREAM_HOME/lake`. */
    storageUrl: field('FIRESTORE_EXPORT_STORAGE_URL', storeUrlVar.optional(), {
      doc: 'The lake: gs://bucket/prefix, file:///abs/path or a path (the same lake as the bronze sink and the loader). Default: the folder lake/ in LAKESTREAM_HOME.',
      example: 'gs://lakestream-lake/prod',
    }),
    /** fake-gcs-server address for gs:// URLs. */
    storageEmulatorHost: field('STORAGE_EMULATOR_HOST', envVar.string().optional(), {
      doc: 'Cloud Storage emulator (fake-gcs-server) to use for gs:// URLs instead of Google Cloud.',
      example: 'http://127.0.0.1:4443',
    }),
    /** The Firestore emulator; the client reads it itself. */
    firestoreEmulatorHost: field('FIRESTORE_EMULATOR_HOST', envVar.string().optional(), {
      doc: 'host:port of a Firestore emulator; unset, the client reaches Firestore with Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS key file, gcloud login or Workload Identity).',
      example: '127.0.0.1:8080',
    }),
    /** Where each object is announced. */
    manifestTopic: field('FIRESTORE_EXPORT_MANIFEST_TOPIC', envVar.string(TOPIC_NAME), {
      doc: "Topic the file manifests are published to (the warehouse loader's documents worker reads it).",
      default: TOPICS.bronzeFiles,
    }),
    /** The consumer group whose committed offset says the warehouse applied a manifest. */
    loaderGroup: field('FIRESTORE_EXPORT_LOADER_GROUP', envVar.string(), {
      doc: "Consumer group of the loader's documents worker: a manifest is applied once the group's committed offset on its partition passes it.",
      default: CONSUMER_GROUPS.warehouseLoaderDocuments,
    }),
    /** Where the loader says it rejected a manifest. */
    deadLetterTopic: field('FIRESTORE_EXPORT_DEAD_LETTER_TOPIC', envVar.string(TOPIC_NAME), {
      doc: "Topic the loader's documents worker dead-letters a manifest it can never load to; the wait reads it, and a table whose manifest it names fails with LS_FIRESTORE_EXPORT_REJECTED.",
      default: TOPICS.firestoreQuarantine,
    }),
    /** Longest wait for the loader. */
    waitTimeoutMs: field('FIRESTORE_EXPORT_WAIT_TIMEOUT', envVar.duration({ min: 1_000 }), {
      doc: "Longest wait, after a collection's manifest is published, for the loader to apply it (--no-wait skips the wait).",
      default: '10m',
    }),
    /** Attempts of each Firestore read. */
    maxAttempts: field('FIRESTORE_EXPORT_MAX_ATTEMPTS', envVar.int({ min: 1, max: 100 }), {
      doc: 'Attempts of each Firestore read that fails with UNAVAILABLE, DEADLINE_EXCEEDED or ABORTED (the lake client retries its own writes).',
      default: '5',
    }),
    /** First backoff between attempts. */
    retryBaseMs: field('FIRESTORE_EXPORT_RETRY_BASE', envVar.duration({ min: 1, max: 600_000 }), {
      doc: 'Backoff ceiling before the second attempt; doubles each attempt (full jitter, at most 30s).',
      default: '1s',
    }),
  },
});

/** The loaded configuration (secrets redacted when printed). */
export type ExportConfig = ConfigOf<typeof exportConfig>;

/** Keys a profile may hold. */
const PROFILE_KEYS = ['projects', 'collections', 'subcollections'] as const;

/** The keys a config file may hold beside `profiles`. */
export const CONFIG_FILE_KEYS = [
  ...PROFILE_KEYS,
  'page_size',
  'storage_url',
  'manifest_topic',
  'loader_group',
  'dead_letter_topic',
  'wait_timeout',
  'max_attempts',
  'retry_base',
] as const;

function invalid(message: string): ExportError {
  return new ExportError('LS_FIRESTORE_EXPORT_CONFIG_INVALID', message);
}

const PREFIX = 'FIRESTORE_EXPORT_';

/**
 * The file's settings as environment variables, the chosen profile's included. Throws
 * LS_FIRESTORE_EXPORT_CONFIG_INVALID without echoing values.
 */
export function readConfigFile(path: string, profile: string | undefined): Record<string, string> {
  const { profiles, ...rest } = readJsonObjectFile(path, invalid);
  const where = `config file ${path}`;
  const env = settingsAsEnv(where, rest, { keys: CONFIG_FILE_KEYS, prefix: PREFIX, fail: invalid });
  if (profile === undefined) return env;
  if (typeof profiles !== 'object' || profiles === null || !(profile in profiles)) {
    const known = typeof profiles === 'object' && profiles !== null ? Object.keys(profiles) : [];
    throw invalid(`${where}: no profile '${profile}' (profiles: ${known.join(', ') || 'none'})`);
  }
  const chosen = (profiles as Record<string, unknown>)[profile];
  const fromProfile = settingsAsEnv(`${where}, profile ${profile}`, chosen, {
    keys: PROFILE_KEYS,
    prefix: PREFIX,
    fail: invalid,
  });
  return { ...env, ...fromProfile };
}

/** Where the settings come from. */
export interface ConfigSources {
  /** The JSON config file (default `FIRESTORE_EXPORT_CONFIG`). */
  file?: string;
  /** The profile of the file to use (default `FIRESTORE_EXPORT_PROFILE`, else `dev`); needs a file. */
  profile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads the configuration: the file's settings (its profile's over its own) under the
 * environment's (a variable set to a non-empty value wins). Throws ConfigError listing every
 * problem, or ExportError for the file.
 */
export function loadExportConfig(sources: ConfigSources = {}): ExportConfig {
  const env = { ...(sources.env ?? process.env) };
  // The profile and the file are arguments, not settings the definition checks.
  const named = sources.profile ?? nonEmpty(env.FIRESTORE_EXPORT_PROFILE);
  const file = sources.file ?? nonEmpty(env.FIRESTORE_EXPORT_CONFIG);
  delete env.FIRESTORE_EXPORT_PROFILE;
  delete env.FIRESTORE_EXPORT_CONFIG;
  if (named !== undefined && file === undefined) {
    throw invalid(
      `profile '${named}' needs the config file that defines it: --config FILE or FIRESTORE_EXPORT_CONFIG (or set FIRESTORE_EXPORT_PROJECTS and FIRESTORE_EXPORT_COLLECTIONS without a profile)`,
    );
  }
  const fromFile = file === undefined ? {} : readConfigFile(file, named ?? 'dev');
  return loadConfig(exportConfig, underEnvironment(fromFile, env));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The store URL in effect: the configured one, else `<LAKESTREAM_HOME>/lake`. */
export function storageUrlOf(config: Pick<ExportConfig, 'storageUrl' | 'lakestreamHome'>): string {
  return config.storageUrl ?? join(resolveLakestreamHome(config.lakestreamHome), 'lake');
}
