/**
 * One request to the statistics API's data endpoint, its body streamed to a file (an answer can
 * be gigabytes: it never sits in memory), and read for what it is: the dataset, Eurostat's "too
 * big" refusal (413 EXTRACTION_TOO_BIG), or its asynchronous warning (a 200 saying the answer is
 * being prepared). Transient faults (network, timeout, 429, 5xx, a body cut short) are retried
 * with backoff; any other status is final.
 */

import { createWriteStream } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EurostatError } from '../errors.js';
import {
  describeFault,
  getOnce,
  type HttpRetryOptions,
  retryHttp,
  unavailable,
} from '../http/retrying-get.js';

/** What one request gave. */
export type FetchedAnswer =
  | { kind: 'dataset'; file: string; bytes: number }
  | { kind: 'too-big'; label: string }
  | { kind: 'async'; key: string | undefined; label: string };

// The asynchronous warning and error bodies are a few hundred bytes; a dataset is bigger than
// this only when it is a dataset. Reading this much of the head tells them apart.
const HEAD_BYTES = 4_096;

/**
 * GETs `url` into `file` (replaced). Throws LS_EUROSTAT_DATASET_NOT_FOUND for Eurostat's 404
 * (naming `code`), LS_EUROSTAT_HTTP_FAILED for other final statuses, LS_EUROSTAT_HTTP_UNAVAILABLE
 * once the transient faults outlast the attempts.
 */
export async function fetchAnswer(
  url: string,
  code: string,
  file: string,
  options: HttpRetryOptions,
): Promise<FetchedAnswer> {
  return retryHttp(() => fetchOnce(url, code, file, options), options);
}

async function fetchOnce(
  url: string,
  code: string,
  file: string,
  options: HttpRetryOptions,
): Promise<FetchedAnswer> {
  const { response, signal } = await getOnce(url, 'application/json', options);
  if (response.status === 413) {
    const label = errorLabel(await response.text().catch(() => ''));
    if (/EXTRACTION_TOO_BIG/.test(label) || label === '') return { kind: 'too-big', label };
    throw failed(url, 413, label);
  }
  if (response.status === 404) {
    const label = errorLabel(await response.text().catch(() => ''));
    throw new EurostatError(
      'LS_EUROSTAT_DATASET_NOT_FOUND',
      `dataset '${code}' is unknown to Eurostat (GET ${url}: HTTP 404${label ? ` ${label}` : ''})`,
    );
  }
  if (!response.ok) {
    throw failed(url, response.status, errorLabel(await response.text().catch(() => '')));
  }
  if (!response.body) throw unavailable(url, 'no body');
  const expected = Number(response.headers.get('content-length') ?? Number.NaN);
  try {
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      createWriteStream(file),
      { signal },
    );
  } catch (err) {
    // A body cut short (connection reset mid-transfer) is transient like a refused connection.
    throw unavailable(url, `body cut short: ${describeFault(err, options.timeoutMs)}`, err);
  }
  const { size } = await stat(file);
  if (Number.isFinite(expected) && size !== expected) {
    throw unavailable(url, `body cut short: ${size} of ${expected} bytes`);
  }
  const warning = await asyncWarning(file, size);
  if (warning) {
    await rm(file, { force: true });
    return { kind: 'async', ...warning };
  }
  return { kind: 'dataset', file, bytes: size };
}

/** The asynchronous warning if the saved body is one (`{"warning":{"status":413,"label":"ASYNCHRONOUS_RESPONSE…"}}`). */
async function asyncWarning(
  file: string,
  size: number,
): Promise<{ key: string | undefined; label: string } | undefined> {
  const handle = await open(file, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.toString('utf8');
  } finally {
    await handle.close();
  }
  if (!/^\s*\{\s*"warning"/.test(head)) return undefined;
  let body: { warning?: { label?: unknown; key?: unknown } };
  try {
    body = JSON.parse(size <= HEAD_BYTES ? head : await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  const label = String(body.warning?.label ?? '');
  if (!/ASYNCHRONOUS_RESPONSE/.test(label)) return undefined;
  const key = typeof body.warning?.key === 'string' ? body.warning.key : undefined;
  return { key, label };
}

/** The label of Eurostat's error body `{"error":[{"status","id","label"}]}`, else the text's start. */
export function errorLabel(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { label?: unknown }[] | { label?: unknown } };
    const first = Array.isArray(body.error) ? body.error[0] : body.error;
    if (first && typeof first.label === 'string') return first.label;
  } catch {
    // not JSON: the text itself says what went wrong
  }
  return text.slice(0, 200).trim();
}

function failed(url: string, status: number, label: string): EurostatError {
  return new EurostatError(
    'LS_EUROSTAT_HTTP_FAILED',
    `GET ${url}: HTTP ${status}${label ? ` ${label}` : ''}`,
  );
}
