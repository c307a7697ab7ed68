/**
 * The BigQuery REST calls the runner makes itself: queries (the cloud run's counts, the gold
 * comparison's reads) and the statistics of the loader's jobs. No client library: the emulator needs no credentials, and
 * Google's BigQuery takes an access token (LAKESTREAM_BQ_ACCESS_TOKEN) or the metadata server's
 * (Workload Identity on GKE, a VM's service account).
 */
import { RunnerError } from './cloud-errors.js';

/** Where BigQuery is and how to reach it. */
export interface BigQueryEndpoint {
  project: string;
  location: string;
  /** The emulator's address; Google's endpoint when absent. */
  emulatorHost?: string;
  /** An OAuth access token for Google's BigQuery; otherwise the metadata server's. */
  accessToken?: string;
}

const GOOGLE_ENDPOINT = 'https://bigquery.googleapis.com';
const METADATA_TOKEN_URL =
  'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token';
const REQUEST_TIMEOUT_MS = 120_000;

/** The metadata server's token of each endpoint, reused until a minute before it expires. */
const metadataTokens = new WeakMap<BigQueryEndpoint, { header: string; expiresAt: number }>();

async function authorization(endpoint: BigQueryEndpoint): Promise<Record<string, string>> {
  if (endpoint.emulatorHost) return {};
  if (endpoint.accessToken) return { authorization: `Bearer ${endpoint.accessToken}` };
  const cached = metadataTokens.get(endpoint);
  if (cached && cached.expiresAt > Date.now()) return { authorization: cached.header };
  try {
    const response = await fetch(METADATA_TOKEN_URL, {
      headers: { 'metadata-flavor': 'Google' },
      signal: AbortSignal.timeout(3_000),
    });
    if (!response.ok) throw new Error(`metadata server answered ${response.status}`);
    const { access_token, expires_in } = (await response.json()) as {
      access_token: string;
      expires_in?: number;
    };
    const header = `Bearer ${access_token}`;
    metadataTokens.set(endpoint, {
      header,
      expiresAt: Date.now() + ((expires_in ?? 0) - 60) * 1000,
    });
    return { authorization: header };
  } catch (err) {
    throw new RunnerError(
      'LS_RUNNER_BIGQUERY_NO_CREDENTIALS',
      'no access token for BigQuery: set LAKESTREAM_BQ_ACCESS_TOKEN (e.g. from `gcloud auth print-access-token`) or run where a metadata server serves one (Workload Identity)',
      { cause: err },
    );
  }
}

async function call<T>(
  endpoint: BigQueryEndpoint,
  path: string,
  init: RequestInit = {},
): Promise<T> {
  const base = `${endpoint.emulatorHost ?? GOOGLE_ENDPOINT}/bigquery/v2/projects/${encodeURIComponent(endpoint.project)}`;
  const headers = { 'content-type': 'application/json', ...(await authorization(endpoint)) };
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      ...init,
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new RunnerError('LS_RUNNER_BIGQUERY_FAILED', `BigQuery unreachable at ${base}`, {
      cause: err,
      retryable: true,
    });
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!response.ok) {
    throw new RunnerError(
      'LS_RUNNER_BIGQUERY_FAILED',
      `BigQuery answered ${response.status}: ${body.error?.message ?? response.statusText}`,
      { retryable: response.status === 429 || response.status >= 500 },
    );
  }
  return body;
}

interface QueryAnswer {
  jobComplete?: boolean;
  jobReference?: { jobId: string; location?: string };
  pageToken?: string;
  schema?: { fields: QueryField[] };
  rows?: { f: { v: unknown }[] }[];
}

/** A result column: its name and BigQuery's type (INTEGER, NUMERIC, TIMESTAMP, …). */
export interface QueryField {
  name: string;
  type: string;
}

/** A query's columns, and each row's values as the REST API gives them (text, or null). */
export interface QueryResult {
  fields: QueryField[];
  rows: unknown[][];
}

/**
 * Runs `sql` (jobs.query, then getQueryResults until the job is done and every page is read).
 * `int64Timestamps` asks for TIMESTAMP values as int64 microseconds instead of float seconds, which
 * an exact comparison needs.
 */
export async function bigqueryQuery(
  endpoint: BigQueryEndpoint,
  sql: string,
  options: { int64Timestamps?: boolean } = {},
): Promise<QueryResult> {
  const int64 = options.int64Timestamps === true;
  let answer = await call<QueryAnswer>(endpoint, '/queries', {
    method: 'POST',
    body: JSON.stringify({
      query: sql,
      useLegacySql: false,
      location: endpoint.location,
      timeoutMs: REQUEST_TIMEOUT_MS,
      ...(int64 ? { formatOptions: { useInt64Timestamp: true } } : {}),
    }),
  });
  const pages: QueryAnswer[] = [];
  for (;;) {
    const complete = answer.jobComplete !== false;
    if (complete) pages.push(answer);
    if (complete && !answer.pageToken) break;
    const job = answer.jobReference;
    if (!job) break;
    const params = new URLSearchParams({
      location: job.location ?? endpoint.location,
      timeoutMs: String(REQUEST_TIMEOUT_MS),
      ...(int64 ? { 'formatOptions.useInt64Timestamp': 'true' } : {}),
      ...(complete && answer.pageToken ? { pageToken: answer.pageToken } : {}),
    });
    answer = await call<QueryAnswer>(
      endpoint,
      `/queries/${encodeURIComponent(job.jobId)}?${params}`,
    );
  }
  const fields = pages.find((p) => p.schema)?.schema?.fields ?? [];
  return {
    fields,
    rows: pages.flatMap((p) => (p.rows ?? []).map((row) => fields.map((_, i) => row.f[i]?.v))),
  };
}

/** Runs `sql` and returns every row, each value as BigQuery's text (null for NULL). */
export async function bigqueryRows(
  endpoint: BigQueryEndpoint,
  sql: string,
): Promise<Record<string, string | null>[]> {
  const { fields, rows } = await bigqueryQuery(endpoint, sql);
  return rows.map((values) =>
    Object.fromEntries(
      fields.map(({ name }, i) => {
        const value = values[i];
        return [name, value === null || value === undefined ? null : String(value)];
      }),
    ),
  );
}

/** A finished job's id and query statistics (absent figures stay undefined). */
export interface JobStatistics {
  id: string;
  bytesProcessed?: number;
  bytesBilled?: number;
  slotMs?: number;
}

interface JobList {
  nextPageToken?: string;
  jobs?: {
    jobReference?: { jobId?: string };
    statistics?: {
      totalSlotMs?: string;
      query?: { totalBytesProcessed?: string; totalBytesBilled?: string };
    };
  }[];
}

/** The finished jobs created since `since` whose id matches `pattern`, with their statistics. */
export async function finishedJobs(
  endpoint: BigQueryEndpoint,
  pattern: RegExp,
  since: Date,
): Promise<JobStatistics[]> {
  const figure = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const found: JobStatistics[] = [];
  let pageToken: string | undefined;
  do {
    const params = new URLSearchParams({
      allUsers: 'true',
      projection: 'full',
      stateFilter: 'done',
      minCreationTime: String(since.getTime()),
      maxResults: '1000',
      ...(pageToken ? { pageToken } : {}),
    });
    const page = await call<JobList>(endpoint, `/jobs?${params}`);
    for (const job of page.jobs ?? []) {
      const id = job.jobReference?.jobId ?? '';
      if (!pattern.test(id)) continue;
      found.push({
        id,
        bytesProcessed: figure(job.statistics?.query?.totalBytesProcessed),
        bytesBilled: figure(job.statistics?.query?.totalBytesBilled),
        slotMs: figure(job.statistics?.totalSlotMs),
      });
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return found;
}
