/**
 * The dataset download against the fixture server (in process): a plain answer saved as served;
 * an answer over the cell limit split by a dimension and joined into one answer equal to the
 * whole cell for cell (read by jsonstat-toolkit, an independent reader); an asynchronous answer
 * polled until ready; a 404 naming the code; transient faults retried; a body cut short refused.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import JSONstat from 'jsonstat-toolkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from '../src/fixtures/server.js';
import { openJsonStat } from '../src/jsonstat/index.js';
import {
  type DownloadDatasetOptions,
  downloadDataset,
  partsFor,
} from '../src/sync/download-dataset.js';
import {
  EUROSTAT_KEY_ORDER,
  FIXTURE_DATA,
  fixtureText,
  observed,
} from './support/fixture-answers.js';
import { tempDir } from './support/temp-dir.js';

const cells = (doc: unknown) =>
  observed(JSONstat(doc).toTable({ type: 'arrobj', content: 'id', status: true }))
    .map((r) => JSON.stringify(r, Object.keys(r).sort()))
    .sort();

let server: FixtureServer;
const dir = tempDir('eurostat-download-');
const options = (extra: Partial<DownloadDatasetOptions> = {}): DownloadDatasetOptions => ({
  apiBase: server.apiBase,
  dir,
  timeoutMs: 5_000,
  maxAttempts: 3,
  retryBaseMs: 5,
  asyncTimeoutMs: 5_000,
  asyncPollMs: 5,
  ...extra,
});

beforeAll(async () => {
  server = await startFixtureServer({
    dataDir: FIXTURE_DATA,
    cellLimit: 100,
    asyncCodes: ['hlth_cd_aro'],
    asyncPolls: 2,
  });
});

afterAll(async () => {
  await server?.close();
});

describe('downloadDataset', () => {
  it('saves an answer under the cell limit as served, in one request', async () => {
    const got = await downloadDataset('nama_10_gdp', options());
    expect(got.parts).toBe(1);
    expect(readFileSync(got.file, 'utf8')).toBe(fixtureText('nama_10_gdp'));
    expect(got.bytes).toBe(Buffer.byteLength(fixtureText('nama_10_gdp')));
  });

  it('splits an answer refused with 413 and joins the parts into one equal to the whole', async () => {
    const got = await downloadDataset('hlth_cd_asdr2', options());
    expect(got.parts).toBeGreaterThan(1);
    const joined = JSON.parse(readFileSync(got.file, 'utf8'));
    const whole = JSON.parse(fixtureText('hlth_cd_asdr2'));
    expect(cells(joined)).toEqual(cells(whole));
    expect(joined.id).toEqual(whole.id);
    expect(joined.size).toEqual(whole.size);
    expect(joined.updated).toBe(whole.updated);
    for (const id of whole.id as string[]) {
      expect(joined.dimension[id].category.index).toEqual(whole.dimension[id].category.index);
      expect(joined.dimension[id].category.label).toEqual(whole.dimension[id].category.label);
    }
    expect(joined.extension['positions-with-no-data']).toEqual(
      whole.extension['positions-with-no-data'],
    );
    expect(Object.keys(joined).slice(0, 10)).toEqual(EUROSTAT_KEY_ORDER.slice(0, 10));
    // The service's own reader accepts the joined answer as it is.
    const reader = await openJsonStat(got.file);
    let rows = 0;
    for await (const _ of reader.rows()) rows += 1;
    expect(rows).toBe(cells(whole).length);
  });

  it('waits for an asynchronous answer', async () => {
    const got = await downloadDataset('hlth_cd_aro', options());
    expect(cells(JSON.parse(readFileSync(got.file, 'utf8')))).toEqual(
      cells(JSON.parse(fixtureText('hlth_cd_aro'))),
    );
  });

  it('gives up on an asynchronous answer at the timeout, retryable', async () => {
    const slow = await startFixtureServer({
      dataDir: FIXTURE_DATA,
      asyncCodes: ['hlth_rs_bds'],
      asyncPolls: 1000,
    });
    try {
      await expect(
        downloadDataset('hlth_rs_bds', options({ apiBase: slow.apiBase, asyncTimeoutMs: 100 })),
      ).rejects.toMatchObject({ code: 'LS_EUROSTAT_ASYNC_TIMEOUT', retryable: true });
    } finally {
      await slow.close();
    }
  });

  it('names the code of a dataset Eurostat does not know', async () => {
    await expect(downloadDataset('hlth_no_such', options())).rejects.toMatchObject({
      code: 'LS_EUROSTAT_DATASET_NOT_FOUND',
      retryable: false,
      message: expect.stringContaining("dataset 'hlth_no_such'"),
    });
  });

  it('reads the number of parts from the 413 label, at most 50 categories a part', () => {
    const label =
      'EXTRACTION_TOO_BIG: The requested extraction is too big, estimated 450 rows, max authorised is 100, please change your filters to reduce the extraction size';
    expect(partsFor(label, 5)).toBe(5);
    expect(partsFor(label, 50)).toBe(5);
    expect(partsFor('EXTRACTION_TOO_BIG', 7)).toBe(7);
    // never more than 50 categories in one request
    expect(partsFor(label, 400)).toBe(8);
  });
});

describe('transient faults', () => {
  let flaky: Server;
  let base: string;
  let calls = 0;
  let mode: 'flaky' | 'cut' = 'flaky';
  const body = fixtureText('nama_10_gdp');

  beforeAll(async () => {
    flaky = createServer((_req, res) => {
      calls += 1;
      if (mode === 'flaky' && calls <= 2) {
        res.writeHead(calls === 1 ? 503 : 429).end();
        return;
      }
      if (mode === 'cut') {
        // Promises the whole body, sends half of it and hangs up.
        res.writeHead(200, { 'content-length': String(Buffer.byteLength(body)) });
        res.write(body.slice(0, body.length / 2));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/eurostat/api/dissemination`;
  });

  afterAll(async () => {
    await new Promise((resolve) => flaky.close(resolve));
  });

  it('retries 503 and 429 with backoff', async () => {
    calls = 0;
    mode = 'flaky';
    const got = await downloadDataset('nama_10_gdp', options({ apiBase: base }));
    expect(calls).toBe(3);
    expect(readFileSync(got.file, 'utf8')).toBe(body);
  });

  it('refuses a body cut short after every attempt, naming the URL', async () => {
    calls = 0;
    mode = 'cut';
    const err = await downloadDataset('nama_10_gdp', options({ apiBase: base })).catch((e) => e);
    expect(err).toMatchObject({ code: 'LS_EUROSTAT_HTTP_UNAVAILABLE', retryable: true });
    expect(err.message).toMatch(/NAMA_10_GDP.*body cut short/);
    expect(calls).toBe(3);
  });
});
