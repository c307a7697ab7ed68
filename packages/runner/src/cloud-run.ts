/**
 * The cloud path's set-up: the lake in a `gs://` bucket, the warehouse in BigQuery – a private
 * emulator started for the run (the default locally), an emulator the user names, or Google's
 * BigQuery – and the environment the loader, dbt and the dashboard read.
 */
import { type PrivateBigQueryEmulator, startPrivateBigQueryEmulator } from '@lakestream/devstack';
import type { BigQueryEndpoint } from './bigquery-rest.js';
import { RunnerError } from './cloud-errors.js';
import { bigqueryWarehouse, type RunWarehouse } from './run-warehouse.js';

/** Which BigQuery the cloud run uses. */
export type CloudBigquery =
  | { kind: 'private' }
  | { kind: 'emulator'; host: string }
  | { kind: 'google' };

/** Reads `--bigquery private|google|http://host:port`. */
export function parseCloudBigquery(text: string): CloudBigquery {
  if (text === 'private') return { kind: 'private' };
  if (text === 'google') return { kind: 'google' };
  if (/^https?:\/\/[^/]+$/.test(text)) return { kind: 'emulator', host: text };
  throw new RunnerError(
    'LS_RUNNER_CLOUD_CONFIG_INVALID',
    `--bigquery takes private, google or an emulator's http://host:port, got '${text}'`,
  );
}

/** What the cloud run set up; `close` stops what it started (idempotent). */
export interface CloudSetup {
  /** The stage processes' environment: the input's, with the BigQuery variables set. */
  readonly env: NodeJS.ProcessEnv;
  readonly endpoint: BigQueryEndpoint;
  readonly warehouse: RunWarehouse;
  /** The lake, `gs://bucket/prefix`. */
  readonly lake: string;
  close(): Promise<void>;
}

/** Options of `prepareCloud`. */
export interface CloudOptions {
  /** The environment of the run (the stack's client variables and the lake variables included). */
  env: NodeJS.ProcessEnv;
  bigquery: CloudBigquery;
  say: (message: string) => void;
}

/** The bucket of a `gs://bucket/prefix` lake. */
export function lakeBucket(lake: string): string {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(\/|$)/.exec(lake);
  if (!match) {
    throw new RunnerError(
      'LS_RUNNER_CLOUD_CONFIG_INVALID',
      `the cloud path keeps the lake in Cloud Storage: LAKESTREAM_LAKE must be gs://bucket/prefix, got '${lake}'`,
    );
  }
  return match[1]!;
}

/**
 * Creates the lake's bucket on fake-gcs-server when it is missing. On Google Cloud Storage the
 * bucket is the user's (its location, retention and IAM are decisions of theirs): it is not created.
 */
async function ensureEmulatedBucket(gcs: string, bucket: string): Promise<void> {
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${gcs}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  try {
    if ((await call(`/storage/v1/b/${bucket}`)).ok) return;
    const created = await call('/storage/v1/b?project=lakestream-local', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: bucket }),
    });
    if (!created.ok && created.status !== 409) throw new Error(`answered ${created.status}`);
  } catch (err) {
    throw new RunnerError(
      'LS_RUNNER_CLOUD_BUCKET_FAILED',
      `creating bucket ${bucket} on ${gcs} failed: ${(err as Error).message}`,
      { cause: err, retryable: true },
    );
  }
}

/** Prepares the lake and BigQuery for a cloud run. */
export async function prepareCloud(options: CloudOptions): Promise<CloudSetup> {
  const lake = options.env.WAREHOUSE_LOADER_STORAGE_URL ?? options.env.LAKESTREAM_LAKE ?? '';
  const bucket = lakeBucket(lake);
  const gcs = options.env.STORAGE_EMULATOR_HOST;
  if (gcs) await ensureEmulatedBucket(gcs, bucket);
  const location = options.env.BIGQUERY_LOCATION ?? options.env.LAKESTREAM_BQ_LOCATION ?? 'US';
  let emulator: PrivateBigQueryEmulator | undefined;
  let emulatorHost: string | undefined;
  let project = options.env.LAKESTREAM_BQ_PROJECT ?? options.env.BIGQUERY_PROJECT;
  if (options.bigquery.kind === 'private') {
    options.say('BigQuery: starting a private emulator for this run (stopped at its end)');
    // Its own temporary folder, removed when it is closed (or fails to start).
    emulator = await startPrivateBigQueryEmulator(gcs ? { storageEmulatorHost: gcs } : {});
    emulatorHost = emulator.host;
    project = emulator.env.BIGQUERY_PROJECT;
    options.say(`BigQuery: emulator at ${emulatorHost}, log ${emulator.logFile}`);
  } else if (options.bigquery.kind === 'emulator') {
    emulatorHost = options.bigquery.host;
    project ??= 'lakestream-local';
  } else if (!project) {
    throw new RunnerError(
      'LS_RUNNER_CLOUD_CONFIG_INVALID',
      "Google's BigQuery needs a project: set LAKESTREAM_BQ_PROJECT (or BIGQUERY_PROJECT)",
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    BIGQUERY_PROJECT: project,
    LAKESTREAM_BQ_PROJECT: project,
    BIGQUERY_LOCATION: location,
    LAKESTREAM_BQ_LOCATION: location,
    DASHBOARD_WAREHOUSE: 'bigquery',
  };
  if (emulatorHost) {
    env.BIGQUERY_EMULATOR_HOST = emulatorHost;
    env.METADATA_SERVER_DETECTION = 'none';
  } else delete env.BIGQUERY_EMULATOR_HOST;
  const endpoint: BigQueryEndpoint = {
    project: project!,
    location,
    ...(emulatorHost ? { emulatorHost } : {}),
    ...(env.LAKESTREAM_BQ_ACCESS_TOKEN ? { accessToken: env.LAKESTREAM_BQ_ACCESS_TOKEN } : {}),
  };
  const warehouse: RunWarehouse = bigqueryWarehouse({
    endpoint,
    ...(env.BIGQUERY_DATASET ? { silverDataset: env.BIGQUERY_DATASET } : {}),
  });
  return {
    env,
    endpoint,
    warehouse,
    lake,
    close: async () => {
      await emulator?.close();
    },
  };
}
