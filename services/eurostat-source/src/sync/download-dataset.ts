/**
 * Downloads a whole dataset from the statistics API into one JSON-stat file, whatever Eurostat
 * answers first:
 * - an asynchronous warning: the answer is being prepared; the ASYNC API's status endpoint is
 *   polled when the warning gives a key, else the same URL is asked again (as the statistics API
 *   expects), with backoff up to `asyncTimeoutMs`;
 * - 413 EXTRACTION_TOO_BIG: a small probe (`lastTimePeriod=1`) gives the dimensions and their
 *   categories; the request is split by the non-time dimension with the most categories into
 *   as many filtered requests as the estimate in Eurostat's label asks for (a part refused again
 *   is split again by the next dimension) and the parts are joined into one answer (join-parts).
 *   The time dimension is never the split one: a probe shows one period only.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadText } from '../catalog/download.js';
import { EurostatError } from '../errors.js';
import type { HttpRetryOptions } from '../http/retrying-get.js';
import { openJsonStat } from '../jsonstat/index.js';
import { fetchAnswer } from './fetch-answer.js';
import { joinParts } from './join-parts.js';

/** Options of `downloadDataset`. */
export interface DownloadDatasetOptions extends HttpRetryOptions {
  apiBase: string;
  /** Folder for the answer and the parts (the caller removes it). */
  dir: string;
  /** Longest wait for an asynchronous answer. */
  asyncTimeoutMs: number;
  /** First pause between polls of an asynchronous answer (doubles, at most 30s). */
  asyncPollMs: number;
}

/** The dataset on disk, with what fetching it took. */
export interface DownloadedDataset {
  file: string;
  bytes: number;
  seconds: number;
  /** Requests answered with data (1 unless the dataset was split). */
  parts: number;
}

type Filters = readonly (readonly [string, readonly string[]])[];

/** The data endpoint's URL for `code` with `filters` (`geo=DE&geo=FR`) and extra parameters. */
export function dataUrl(apiBase: string, code: string, filters: Filters, extra = ''): string {
  const query = filters
    .flatMap(([dim, cats]) =>
      cats.map((c) => `&${encodeURIComponent(dim)}=${encodeURIComponent(c)}`),
    )
    .join('');
  return `${apiBase}/statistics/1.0/data/${encodeURIComponent(code.toUpperCase())}?format=JSON&lang=EN${query}${extra}`;
}

/** Downloads `code` whole into `<dir>/<code>.json`. */
export async function downloadDataset(
  code: string,
  options: DownloadDatasetOptions,
): Promise<DownloadedDataset> {
  const started = performance.now();
  let sequence = 0;
  const nextFile = () => {
    sequence += 1;
    return join(options.dir, `${code}.part${sequence}.json`);
  };
  const parts = await fetchWhole(code, [], options, nextFile);
  const file = join(options.dir, `${code}.json`);
  let bytes: number;
  if (parts.length === 1) {
    const only = parts[0] as { file: string; bytes: number };
    bytes = only.bytes;
    await rmQuiet(file);
    await rename(only.file, file);
  } else {
    bytes = parts.reduce((sum, p) => sum + p.bytes, 0);
    await joinParts(
      parts.map((p) => p.file),
      file,
    );
    for (const p of parts) await rmQuiet(p.file);
  }
  return { file, bytes, seconds: (performance.now() - started) / 1000, parts: parts.length };
}

async function fetchWhole(
  code: string,
  filters: Filters,
  options: DownloadDatasetOptions,
  nextFile: () => string,
): Promise<{ file: string; bytes: number }[]> {
  const url = dataUrl(options.apiBase, code, filters);
  const answer = await fetchReady(url, code, nextFile(), options);
  if (answer.kind === 'dataset') return [answer];
  // Too big: learn the categories from a one-period probe and split.
  const probe = await fetchReady(
    dataUrl(options.apiBase, code, filters, '&lastTimePeriod=1'),
    code,
    nextFile(),
    options,
  );
  if (probe.kind !== 'dataset') {
    throw new EurostatError(
      'LS_EUROSTAT_TOO_BIG',
      `dataset '${code}' is too big for one request and so is its last period (${answer.label}); nothing smaller to split into`,
    );
  }
  const { dataset } = await openJsonStat(probe.file);
  await rmQuiet(probe.file);
  const filtered = new Set(filters.map(([dim]) => dim));
  const candidates = dataset.dimensions
    .filter((d) => d.id !== 'time' && !filtered.has(d.id) && d.categories.length > 1)
    .sort((a, b) => b.categories.length - a.categories.length);
  const dim = candidates[0];
  if (!dim) {
    throw new EurostatError(
      'LS_EUROSTAT_TOO_BIG',
      `dataset '${code}' is too big for one request (${answer.label}) and has no dimension left to split by (filters ${JSON.stringify(filters)})`,
    );
  }
  const codes = dim.categories.map((c) => c.code);
  const chunks = chunk(codes, partsFor(answer.label, codes.length));
  const out: { file: string; bytes: number }[] = [];
  for (const cats of chunks) {
    out.push(...(await fetchWhole(code, [...filters, [dim.id, cats]], options, nextFile)));
  }
  return out;
}

/**
 * Most values of one dimension in a request: the statistics API takes at most 50 "sub-indicators"
 * a query (as the rOpenGov eurostat client documents), so a part never names more.
 */
export const MAX_FILTER_VALUES = 50;

/**
 * How many parts to split `categories` into: as many as Eurostat's estimate asks for ("estimated
 * N rows, max authorised is M"; one per category when the label has none), and enough to name at
 * most MAX_FILTER_VALUES categories each.
 */
export function partsFor(label: string, categories: number): number {
  const m = /estimated (\d+) rows, max authori[sz]ed is (\d+)/.exec(label);
  const estimated = Number(m?.[1]);
  const max = Number(m?.[2]);
  const asked = m && max > 0 ? Math.max(2, Math.ceil(estimated / max)) : categories;
  return Math.min(categories, Math.max(asked, Math.ceil(categories / MAX_FILTER_VALUES)));
}

function chunk<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Fetches `url`, waiting out an asynchronous answer; resolves with the dataset or the 413. */
async function fetchReady(
  url: string,
  code: string,
  file: string,
  options: DownloadDatasetOptions,
): Promise<{ kind: 'dataset'; file: string; bytes: number } | { kind: 'too-big'; label: string }> {
  const deadline = Date.now() + options.asyncTimeoutMs;
  let pause = options.asyncPollMs;
  let answer = await fetchAnswer(url, code, file, options);
  while (answer.kind === 'async') {
    const { key } = answer;
    if (Date.now() + pause > deadline) {
      throw new EurostatError(
        'LS_EUROSTAT_ASYNC_TIMEOUT',
        `dataset '${code}' was still being prepared by Eurostat after ${options.asyncTimeoutMs} ms (GET ${url}${key ? `, key ${key}` : ''})`,
        { retryable: true },
      );
    }
    await sleep(pause, undefined, options.signal ? { signal: options.signal } : {});
    pause = Math.min(pause * 2, 30_000);
    if (key === undefined) {
      answer = await fetchAnswer(url, code, file, options);
      continue;
    }
    const status = await asyncStatus(options.apiBase, key, code, file, options);
    if (status === 'AVAILABLE') {
      answer = await fetchAnswer(
        `${options.apiBase}/1.0/async/data/${encodeURIComponent(key)}`,
        code,
        file,
        options,
      );
    } else if (status === 'UNKNOWN_REQUEST' || status === 'EXPIRED') {
      // The key is gone: asking the URL again starts a new request.
      answer = await fetchAnswer(url, code, file, options);
    }
  }
  return answer;
}

/** The ASYNC API's status of `key` (SUBMITTED, PROCESSING, AVAILABLE, EXPIRED, UNKNOWN_REQUEST). */
async function asyncStatus(
  apiBase: string,
  key: string,
  code: string,
  file: string,
  options: HttpRetryOptions,
): Promise<string> {
  const url = `${apiBase}/1.0/async/status/${encodeURIComponent(key)}`;
  const { text } = await downloadText(url, options);
  const m = /<(?:\w+:)?status>\s*([A-Z_]+)\s*<\/(?:\w+:)?status>/.exec(text);
  if (!m) {
    throw new EurostatError(
      'LS_EUROSTAT_ANSWER_INVALID',
      `the asynchronous status of '${code}' (GET ${url}) names no status: ${text.slice(0, 200)} (answer for ${file})`,
    );
  }
  return m[1] as string;
}

async function rmQuiet(file: string): Promise<void> {
  await rm(file, { force: true });
}
