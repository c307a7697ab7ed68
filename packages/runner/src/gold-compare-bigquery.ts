/**
 * Reads gold tables from BigQuery through its REST API (jobs.query, then getQueryResults pages).
 * The REST answer carries every value as text – NUMERIC exactly, TIMESTAMP as int64 microseconds –
 * which is what an exact comparison wants, and needs no client library.
 */
import { GoldCompareError } from './gold-compare-errors.js';
import {
  type ColumnKind,
  canonicalDecimal,
  type TableRead,
  timestampFromMicros,
} from './gold-compare-rows.js';

/** Where the gold tables are and how to reach them. */
export interface BigQueryReadOptions {
  project: string;
  location: string;
  /** The emulator's address (BIGQUERY_EMULATOR_HOST); Google's endpoint when absent. */
  emulatorHost?: string;
  /** An OAuth access token for Google's BigQuery; otherwise the metadata server's (GKE, GCE). */
  accessToken?: string;
  /** Bound on each request. */
  requestTimeoutMs?: number;
}

const GOOGLE_ENDPOINT = 'https://bigquery.googleapis.com';
const METADATA_TOKEN_URL =
  'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token';

/** The comparison rule of a BigQuery column type. */
export function bigqueryKind(type: string): ColumnKind {
  switch (type.toUpperCase()) {
    case 'INTEGER':
    case 'INT64':
      return 'int';
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return 'decimal';
    case 'FLOAT':
    case 'FLOAT64':
      return 'float';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP':
      return 'timestamp';
    case 'BOOLEAN':
    case 'BOOL':
      return 'bool';
    case 'STRING':
      return 'string';
    default:
      throw new GoldCompareError(
        'LS_GOLD_COMPARE_TYPE_UNSUPPORTED',
        `BigQuery column type ${type} has no comparison rule`,
      );
  }
}

async function authorization(options: BigQueryReadOptions): Promise<Record<string, string>> {
  if (options.emulatorHost) return {};
  if (options.accessToken) return { authorization: `Bearer ${options.accessToken}` };
  try {
    const response = await fetch(METADATA_TOKEN_URL, {
      headers: { 'metadata-flavor': 'Google' },
      signal: AbortSignal.timeout(3_000),
    });
    if (!response.ok) throw new Error(`metadata server answered ${response.status}`);
    const { access_token } = (await response.json()) as { access_token: string };
    return { authorization: `Bearer ${access_token}` };
  } catch (err) {
    throw new GoldCompareError(
      'LS_GOLD_COMPARE_NO_CREDENTIALS',
      'no access token for BigQuery: set LAKESTREAM_BQ_ACCESS_TOKEN (e.g. from `gcloud auth print-access-token`) or run where a metadata server serves one (Workload Identity)',
      { cause: err },
    );
  }
}

interface QueryAnswer {
  jobComplete?: boolean;
  jobReference?: { jobId: string; location?: string };
  pageToken?: string;
  schema?: { fields: { name: string; type: string }[] };
  rows?: { f: { v: unknown }[] }[];
  error?: { message?: string; code?: number };
}

function canonical(kind: ColumnKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  switch (kind) {
    case 'decimal':
      return canonicalDecimal(text);
    case 'timestamp':
      // int64 microseconds as asked; float seconds from a server that ignores formatOptions.
      return timestampFromMicros(
        /^-?\d+$/.test(text) ? BigInt(text) : BigInt(Math.round(Number(text) * 1e6)),
      );
    case 'bool':
      return text.toLowerCase();
    default:
      return text;
  }
}

/** Reads `dataset.table` of each table, values as canonical text. */
export async function readBigQueryTables(
  options: BigQueryReadOptions,
  dataset: string,
  tables: readonly string[],
): Promise<Map<string, TableRead>> {
  const base = `${options.emulatorHost ?? GOOGLE_ENDPOINT}/bigquery/v2/projects/${encodeURIComponent(options.project)}`;
  const headers = { 'content-type': 'application/json', ...(await authorization(options)) };
  const timeout = options.requestTimeoutMs ?? 120_000;
  const call = async (url: string, init: RequestInit = {}): Promise<QueryAnswer> => {
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(timeout) });
    } catch (err) {
      throw new GoldCompareError(
        'LS_GOLD_COMPARE_BIGQUERY_FAILED',
        `BigQuery unreachable at ${url}`,
        {
          cause: err,
          retryable: true,
        },
      );
    }
    const body = (await response.json().catch(() => ({}))) as QueryAnswer;
    if (!response.ok) {
      throw new GoldCompareError(
        'LS_GOLD_COMPARE_BIGQUERY_FAILED',
        `BigQuery answered ${response.status}: ${body.error?.message ?? response.statusText}`,
        { retryable: response.status === 429 || response.status >= 500 },
      );
    }
    return body;
  };

  const result = new Map<string, TableRead>();
  for (const table of tables) {
    const query = `select * from \`${options.project}.${dataset}.${table}\``;
    let answer = await call(`${base}/queries`, {
      method: 'POST',
      body: JSON.stringify({
        query,
        useLegacySql: false,
        location: options.location,
        formatOptions: { useInt64Timestamp: true },
        timeoutMs: timeout,
      }),
    });
    const pages: QueryAnswer[] = [];
    for (;;) {
      if (answer.jobComplete !== false) pages.push(answer);
      if (answer.jobComplete !== false && !answer.pageToken) break;
      const job = answer.jobReference;
      if (!job) break;
      const params = new URLSearchParams({
        location: job.location ?? options.location,
        'formatOptions.useInt64Timestamp': 'true',
        timeoutMs: String(timeout),
        ...(answer.jobComplete !== false && answer.pageToken
          ? { pageToken: answer.pageToken }
          : {}),
      });
      answer = await call(`${base}/queries/${encodeURIComponent(job.jobId)}?${params}`);
    }
    const fields = pages.find((p) => p.schema)?.schema?.fields ?? [];
    const columns = fields.map((f) => ({ name: f.name, kind: bigqueryKind(f.type) }));
    const rows = pages.flatMap((p) =>
      (p.rows ?? []).map((row) => {
        const out: Record<string, string | null> = {};
        columns.forEach(({ name, kind }, i) => {
          out[name] = canonical(kind, row.f[i]?.v);
        });
        return out;
      }),
    );
    result.set(table, { columns, rows });
  }
  return result;
}
