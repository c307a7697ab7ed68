import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { feedTime } from '../src/watch/brussels-time.js';
import { parseFeed } from '../src/watch/feed.js';
import { planUpdates } from '../src/watch/plan.js';

const FIXTURE = new URL('../fixtures/rss/en/statistics-update.rss', import.meta.url);
const wrap = (items: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${items}</channel></rss>`;
const item = (title: string, category: string, pubDate: string) =>
  `<item><title>${title}</title><category>${category}</category><pubDate>${pubDate}</pubDate></item>`;

describe('feedTime', () => {
  it('reads Brussels wall-clock times in summer and winter time', () => {
    expect(feedTime('2026-04-22 23:00:00.0')?.toISOString()).toBe('2026-04-22T21:00:00.000Z');
    expect(feedTime('2026-01-15 11:00:00')?.toISOString()).toBe('2026-01-15T10:00:00.000Z');
    expect(feedTime('Fri, 24 Apr 2026 21:00:00 GMT')?.toISOString()).toBe(
      '2026-04-24T21:00:00.000Z',
    );
    expect(feedTime('2026-02-30 11:00:00')).toBeUndefined();
    expect(feedTime('yesterday')).toBeUndefined();
  });
});

describe('parseFeed', () => {
  it('reads every item of the fixture: code, kind of change and UTC time', () => {
    const feed = parseFeed(readFileSync(FIXTURE, 'utf8'));
    expect(feed.skipped).toEqual([]);
    expect(
      feed.events.map((e) => [e.code, e.object, e.action, e.changed, e.time.toISOString()]),
    ).toEqual([
      ['hlth_cd_asdr2', 'dataset', 'update', 'data', '2026-04-22T21:00:00.000Z'],
      ['hlth_sha11_hf', 'dataset', 'delete', 'data', '2026-04-23T09:00:00.000Z'],
      ['demo_r_births', 'dataset', 'update', 'data', '2026-04-20T21:00:00.000Z'],
      ['demo_r_fagec3', 'dataset', 'update', 'structure', '2026-04-20T21:00:00.000Z'],
      ['geo', 'codelist', 'update', 'codelist', '2026-04-23T21:00:00.000Z'],
      ['nama_10_gdp', 'dataset', 'update', 'structure', '2026-04-14T21:00:00.000Z'],
    ]);
  });

  it('skips and reports an item of a category it does not know', () => {
    const feed = parseFeed(wrap(item('HLTH_X - x', 'UPDATED_METADATA', '2026-04-22 23:00:00.0')));
    expect(feed.events).toEqual([]);
    expect(feed.skipped).toEqual([
      { item: 1, reason: 'category "UPDATED_METADATA" is not one the watcher knows' },
    ]);
  });

  const bad: [string, string, RegExp][] = [
    ['broken XML', '<rss><channel>\n<item></channel></rss>', /^feed: line 2, column \d+: /],
    ['a document that is not RSS', '<feed><entry/></feed>', /expected an RSS document/],
    [
      'a title without a code',
      wrap(item('- no code', 'UPDATED_DATASET_DATA', '2026-04-22 23:00:00.0')),
      /^feed: item 1: the title "- no code" does not start with a code$/,
    ],
    [
      'a pubDate that is not a time',
      wrap(item('HLTH_X - x', 'UPDATED_DATASET_DATA', 'soon')),
      /^feed: item 1 \(HLTH_X\): pubDate "soon" is not a time$/,
    ],
  ];
  for (const [what, xml, message] of bad) {
    it(`refuses ${what} with LS_EUROSTAT_FEED_MALFORMED`, () => {
      expect(() => parseFeed(xml, 'feed')).toThrow(
        expect.objectContaining({
          code: 'LS_EUROSTAT_FEED_MALFORMED',
          message: expect.stringMatching(message),
        }),
      );
    });
  }
});

describe('planUpdates', () => {
  const events = parseFeed(readFileSync(FIXTURE, 'utf8')).events;
  const now = new Date('2026-04-25T12:00:00Z');
  const watched = [
    { code: 'hlth_cd_asdr2', lastDataUpdate: '2026-04-22', lastStructureChange: '2026-01-14' },
    { code: 'hlth_rs_bds', lastDataUpdate: '2026-03-18', lastStructureChange: '2026-03-18' },
    { code: 'hlth_sha11_hf', lastDataUpdate: '2026-01-09', lastStructureChange: '2026-01-09' },
    { code: 'hlth_new', lastDataUpdate: null, lastStructureChange: null },
    { code: 'nama_10_gdp', lastDataUpdate: '2026-04-14', lastStructureChange: '2026-04-14' },
  ];
  const summary = (lastLoads: Map<string, Date>, feedDays = 7) => {
    const plan = planUpdates({ watched, events, lastLoads, now, feedDays });
    return {
      ...plan,
      behind: plan.behind.map(
        (u) => `${u.code} ${u.updateTime.toISOString()} ${u.changed} ${u.source}`,
      ),
    };
  };

  it('takes the feed time when the feed has the update, the catalogue date otherwise; never loaded counts as changed', () => {
    expect(summary(new Map())).toEqual({
      behind: [
        'hlth_cd_asdr2 2026-04-22T21:00:00.000Z data feed',
        'hlth_rs_bds 2026-03-18T00:00:00.000Z data catalog',
        // The feed's event is 11 days old: outside the window, the catalogue's date names it.
        'nama_10_gdp 2026-04-14T00:00:00.000Z data catalog',
      ],
      upToDate: [],
      deleted: ['hlth_sha11_hf'],
      undated: ['hlth_new'],
      codelistEvents: 1,
    });
    expect(summary(new Map(), 14).behind).toContain(
      'nama_10_gdp 2026-04-14T21:00:00.000Z structure feed',
    );
  });

  it('a dataset loaded at its newest update is up to date, also once that update has left the feed', () => {
    const loads = new Map([
      ['hlth_cd_asdr2', new Date('2026-04-22T21:00:00Z')],
      ['hlth_rs_bds', new Date('2026-03-18T22:00:00Z')],
      ['nama_10_gdp', new Date('2026-01-01T00:00:00Z')],
    ]);
    const plan = summary(loads);
    expect(plan.upToDate).toEqual(['hlth_cd_asdr2', 'hlth_rs_bds']);
    expect(plan.behind).toEqual(['nama_10_gdp 2026-04-14T00:00:00.000Z data catalog']);
    const later = planUpdates({ watched, events: [], lastLoads: loads, now, feedDays: 7 });
    expect(later.upToDate).toContain('hlth_cd_asdr2');
  });
});
