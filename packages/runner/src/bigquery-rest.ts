/**
 * The few BigQuery REST calls the cloud run makes itself: a query whose rows come back as text, and
 * the statistics of the loader's jobs. No client library: the emulator needs no credentials, and
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

async function authorization(endpoint: BigQueryEndpoint): Promise<Record<string, string>> {
  if (endpoint.emulatorHost) return {};
  if (endpoint.accessToken) return { authorization: `Bearer ${endpoint.accessToken}` };
  try {
    const response = await fetch(METADATA_TOKEN_URL, {
      headers: { 'metadata-flavor': 'Google' },
      signal: AbortSignal.timeout(3_000),
    });
    if (!response.ok) throw new Error(`metadata server answered ${response.status}`);
    const { access_token } = (await response.json()) as { access_token: string };
    return { authorization: `Bearer ${access_token}` };
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
  schema?: { fields: { name: string }[] };
  rows?: { f: { v: unknown }[] }[];
}

/** Runs `sql` and returns every row, each value as BigQuery's text (null for NULL). */
export async function bigqueryRows(
  endpoint: BigQueryEndpoint,
  sql: string,
): Promise<Record<string, string | null>[]> {
  let answer = await call<QueryAnswer>(endpoint, '/queries', {
    method: 'POST',
    body: JSON.stringify({
      query: sql,
      useLegacySql: false,
      location: endpoint.location,
      timeoutMs: REQUEST_TIMEOUT_MS,
    }),
  });
  const pages: QueryAnswer[] = [];
  for (;;) {
    if (answer.jobComplete !== false) pages.push(answer);
    if (answer.jobComplete !== false && !answer.pageToken) break;
    const job = answer.jobReference;
    if (!job) break;
    const params = new URLSearchParams({
      location: job.location ?? endpoint.location,
      timeoutMs: String(REQUEST_TIMEOUT_MS),
      ...(answer.jobComplete !== false && answer.pageToken ? { pageToken: answer.pageToken } : {}),
    });
    answer = await call<QueryAnswer>(
      endpoint,
      `/queries/${encodeURIComponent(job.jobId)}?${params}`,
    );
  }
  const names = (pages.find((p) => p.schema)?.schema?.fields ?? []).map((f) => f.name);
  return pages.flatMap((p) =>
    (p.rows ?? []).map((row) =>
      Object.fromEntries(
        names.map((name, i) => {
          const value = row.f[i]?.v;
          return [name, value === null || value === undefined ? null : String(value)];
        }),
      ),
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
