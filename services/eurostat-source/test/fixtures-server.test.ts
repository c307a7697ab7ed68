/**
 * The fixture server answers Eurostat's paths and shapes: the data endpoint whole and filtered
 * (each filtered answer equal to jsonstat-toolkit's own slice of the file), 413 for an extraction
 * over the cell limit whose split parts join to the whole, the asynchronous answer and its polling,
 * Eurostat's error bodies, the catalogue and feed files, and a new version on demand.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import JSONstat, { type ToolkitRow } from 'jsonstat-toolkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from '../src/fixtures/server.js';
import {
  EUROSTAT_KEY_ORDER,
  FIXTURE_DATA,
  fixtureText,
  observed,
} from './support/fixture-answers.js';
import { tempDir } from './support/temp-dir.js';

const CATALOGUE = join(import.meta.dirname, 'support', 'catalogue');

let server: FixtureServer;
// A copy of the answers: one test writes a new version of a dataset into it.
const dataDir = tempDir('eurostat-fixtures-');

beforeAll(async () => {
  cpSync(FIXTURE_DATA, dataDir, { recursive: true });
  server = await startFixtureServer({
    dataDir,
    tocDir: CATALOGUE,
    rssDir: CATALOGUE,
    cellLimit: 100,
    asyncCodes: ['hlth_cd_aro'],
    asyncPolls: 2,
  });
});

afterAll(async () => {
  await server?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = Record<string, any>;
const json = async (res: Response | Promise<Response>): Promise<Json> =>
  (await (await res).json()) as Json;
const data = (code: string, query = '') =>
  fetch(
    `${server.apiBase}/statistics/1.0/data/${code}?format=JSON&lang=EN${query ? `&${query}` : ''}`,
  );
const table = (doc: unknown) =>
  JSONstat(doc).toTable({ type: 'arrobj', content: 'id', status: true });
const sortRows = (rows: ToolkitRow[]) =>
  rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();

describe('the data endpoint', () => {
  it('serves an unfiltered dataset exactly as its file', async () => {
    const res = await data('nama_10_gdp');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(fixtureText('nama_10_gdp'));
  });

  it.each([
    ['hlth_rs_bds', 'geo=FR&geo=DE&time=2020', { geo: ['DE', 'FR'], time: ['2020'] }],
    ['hlth_rs_bds', 'GEO=be&unit=NR', { geo: ['BE'], unit: ['NR'] }],
    [
      'hlth_cd_asdr2',
      'sex=F&age=Y_GE65&geo=CZ06&geo=PL91',
      { sex: ['F'], age: ['Y_GE65'], geo: ['CZ06', 'PL91'] },
    ],
    ['hlth_ehis_pa1e', 'geo=PL&geo=TR&duration=MN0', { geo: ['PL', 'TR'], duration: ['MN0'] }],
  ])('%s?%s equals the slice jsonstat-toolkit cuts from the file', async (code, query, dice) => {
    const res = await data(code, query);
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(Object.keys(doc)).toEqual(EUROSTAT_KEY_ORDER.filter((k) => k in doc));
    const expected = JSONstat(JSON.parse(fixtureText(code))).Dice(dice, { clone: true });
    expect(doc.size).toEqual(expected.size);
    expect(table(doc)).toEqual(expected.toTable({ type: 'arrobj', content: 'id', status: true }));
    // re-indexed from 0 in the dataset's own category order, with the slice's own no-data positions
    for (const [name, codes] of Object.entries(dice)) {
      const index = doc.dimension[name].category.index;
      const own = expected.Dimension(name)?.id ?? [];
      expect(
        Object.entries(index)
          .sort((a, b) => Number(a[1]) - Number(b[1]))
          .map(([c]) => c),
      ).toEqual(own);
      expect(own).toHaveLength(codes.length);
    }
    expect(Object.keys(doc.extension['positions-with-no-data'])).toEqual(doc.id);
    expect(Array.isArray(doc.value)).toBe(code === 'hlth_ehis_pa1e');
  });

  it('applies sinceTimePeriod, untilTimePeriod and lastTimePeriod to the time dimension', async () => {
    const times = async (query: string) =>
      Object.keys((await json(data('hlth_rs_bds', query))).dimension.time.category.index);
    expect(await times('sinceTimePeriod=2020&untilTimePeriod=2021')).toEqual(['2020', '2021']);
    expect(await times('lastTimePeriod=2')).toEqual(['2021', '2022']);
    expect(await times('untilTimePeriod=2020&lastTimePeriod=1')).toEqual(['2020']);
  });

  it('answers a category it does not have with an empty dimension, as Eurostat does', async () => {
    const doc = await json(data('nama_10_gdp', 'geo=XX'));
    expect(doc.size).toEqual([1, 1, 2, 0, 4]);
    expect(doc.value).toEqual({});
    expect(doc.extension['positions-with-no-data'].time).toEqual([0, 1, 2, 3]);
  });

  it("answers an unknown dataset, dimension or format with Eurostat's error bodies", async () => {
    const missing = await data('hlth_nothing');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({
      error: [{ status: 404, id: 100, label: 'ERR_NOT_FOUND_4: Dataset not found: HLTH_NOTHING' }],
    });
    const dimension = await data('nama_10_gdp', 'colour=RED');
    expect(dimension.status).toBe(400);
    expect((await json(dimension)).error[0]).toMatchObject({ status: 400, id: 150 });
    const format = await fetch(`${server.apiBase}/statistics/1.0/data/nama_10_gdp?format=TSV`);
    expect(format.status).toBe(400);
    expect((await json(format)).error[0]).toMatchObject({ status: 400, id: 140 });
    expect((await fetch(`${server.apiBase}/statistics/1.0/nothing`)).status).toBe(404);
  });
});

describe('an extraction over the cell limit', () => {
  it('is refused with 413, and its parts split by geo join to the whole', async () => {
    const whole = await data('hlth_cd_asdr2');
    expect(whole.status).toBe(413);
    expect(await json(whole)).toEqual({
      error: [
        {
          status: 413,
          id: 413,
          label:
            'EXTRACTION_TOO_BIG: The requested extraction is too big, estimated 450 rows, max authorised is 100, please change your filters to reduce the extraction size',
        },
      ],
    });
    // a small request gives the geo codes; one request per code stays under the limit
    const probe = await json(data('hlth_cd_asdr2', 'lastTimePeriod=1'));
    const geos = Object.keys(probe.dimension.geo.category.index);
    expect(geos).toHaveLength(5);
    const parts = await Promise.all(
      geos.map(async (geo) => {
        const res = await data('hlth_cd_asdr2', `geo=${geo}`);
        expect(res.status).toBe(200);
        return observed(table(await json(res)));
      }),
    );
    const joined = parts.flat();
    expect(sortRows(joined)).toEqual(
      sortRows(observed(table(JSON.parse(fixtureText('hlth_cd_asdr2'))))),
    );
  });
});

describe('an asynchronous answer', () => {
  it('gives a key, is polled on the status endpoint and then served on the data endpoint and the URL', async () => {
    const first = await data('hlth_cd_aro');
    expect(first.status).toBe(200);
    const { warning } = await json(first);
    expect(warning).toMatchObject({
      status: 413,
      label: expect.stringMatching(/^ASYNCHRONOUS_RESPONSE/),
    });
    const status = async () =>
      (await fetch(`${server.apiBase}/1.0/async/status/${warning.key}`)).text();
    const notYet = await fetch(`${server.apiBase}/1.0/async/data/${warning.key}`);
    expect(notYet.status).toBe(400);
    expect(await notYet.text()).toContain('DATA_NOT_YET_AVAILABLE');
    expect(await status()).toContain(
      `<ns1:key>${warning.key}</ns1:key><ns1:status>PROCESSING</ns1:status>`,
    );
    expect(await status()).toContain('<ns1:status>AVAILABLE</ns1:status>');
    const ready = await fetch(`${server.apiBase}/1.0/async/data/${warning.key}`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe(fixtureText('hlth_cd_aro'));
    expect(await (await data('hlth_cd_aro')).text()).toBe(fixtureText('hlth_cd_aro'));
  });

  it('is also served by asking the same URL again, as the statistics API expects', async () => {
    const ask = async () => json(data('hlth_cd_aro', 'geo=FR10&sex=T'));
    const first = await ask();
    expect((await ask()).warning?.key).toBe(first.warning.key);
    const doc = await ask();
    expect(doc.class).toBe('dataset');
    expect(doc.dimension.geo.category.label).toEqual({ FR10: 'Ile-de-France / Île-de-France' });
  });

  it('reports an unknown key as UNKNOWN_REQUEST', async () => {
    const res = await fetch(
      `${server.apiBase}/1.0/async/status/00000000-0000-0000-0000-000000000000`,
    );
    expect(await res.text()).toContain('<ns1:status>UNKNOWN_REQUEST</ns1:status>');
  });
});

describe('catalogue, feed and new versions', () => {
  it('serves the table of contents and the update feed from their folders', async () => {
    const toc = await fetch(`${server.apiBase}/catalogue/toc/txt?lang=en`);
    expect(toc.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await toc.text()).toBe(readFileSync(join(CATALOGUE, 'toc_en.txt'), 'utf8'));
    const xml = await fetch(`${server.apiBase}/catalogue/toc/xml`);
    expect(await xml.text()).toBe(readFileSync(join(CATALOGUE, 'toc.xml'), 'utf8'));
    const rss = await fetch(`${server.apiBase}/catalogue/rss/en/statistics-update.rss`);
    expect(await rss.text()).toBe(
      readFileSync(join(CATALOGUE, 'en', 'statistics-update.rss'), 'utf8'),
    );
  });

  it('serves a new updated time set in process or through the admin endpoint, and a rewritten file', async () => {
    const updated = async (code: string) => (await json(data(code))).updated;
    server.setUpdated('nama_10_gdp', '2026-05-01T23:00:00+0200');
    const doc = await json(data('nama_10_gdp'));
    expect(doc.updated).toBe('2026-05-01T23:00:00+0200');
    expect(
      doc.extension.annotation.find((a: { type: string }) => a.type === 'UPDATE_DATA').date,
    ).toBe(doc.updated);
    server.reset('nama_10_gdp');
    expect(await updated('nama_10_gdp')).toBe(JSON.parse(fixtureText('nama_10_gdp')).updated);

    const put = await fetch(`${server.origin}/fixture-admin/datasets/hlth_rs_bds/updated`, {
      method: 'PUT',
      body: '2026-06-02T11:00:00+0200',
    });
    expect(put.status).toBe(204);
    expect(await updated('hlth_rs_bds')).toBe('2026-06-02T11:00:00+0200');
    expect(
      (await fetch(`${server.origin}/fixture-admin/datasets/hlth_rs_bds`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    const bad = await fetch(`${server.origin}/fixture-admin/datasets/hlth_rs_bds/updated`, {
      method: 'PUT',
      body: 'soon',
    });
    expect(bad.status).toBe(400);

    const next = JSON.parse(fixtureText('hlth_ehis_pa1e'));
    next.updated = '2026-07-01T11:00:00+0200';
    writeFileSync(join(dataDir, 'hlth_ehis_pa1e.json'), JSON.stringify(next));
    expect(await updated('hlth_ehis_pa1e')).toBe('2026-07-01T11:00:00+0200');
  });
});
