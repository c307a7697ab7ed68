/**
 * Eurostat's update feed (`…/catalogue/rss/en/statistics-update.rss`): an RSS 2.0 channel with one
 * item per change of the last days, the changed object's code leading the title and the kind of
 * change in `category`:
 *
 *   <item>
 *     <title>HLTH_CD_ACDR2 - Causes of death - crude death rate by NUTS 2 region</title>
 *     <description>Causes of death - crude death rate by NUTS 2 region</description>
 *     <link>https://ec.europa.eu/eurostat/databrowser/product/page/HLTH_CD_ACDR2</link>
 *     <category>UPDATED_DATASET_DATA</category>
 *     <pubDate>2026-04-24 23:00:00.0</pubDate>
 *   </item>
 *
 * Categories: NEW_DATASET, UPDATED_DATASET_DATA, UPDATED_DATASET_STRUCTURE,
 * UPDATED_DATASET_STRUCTURE_DATA, DELETED_DATASET, and NEW_/UPDATED_/DELETED_CODE_LIST.
 */
import type { EurostatChangeKind } from '@lakestream/lake';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EurostatError } from '../errors.js';
import { feedTime } from './brussels-time.js';

/** What a feed category says happened, to which kind of object. */
export interface FeedChange {
  object: 'dataset' | 'codelist';
  action: 'create' | 'update' | 'delete';
  changed: EurostatChangeKind;
}

/** The categories Eurostat's feed uses. */
export const FEED_CATEGORIES: Readonly<Record<string, FeedChange>> = {
  NEW_DATASET: { object: 'dataset', action: 'create', changed: 'data' },
  UPDATED_DATASET_DATA: { object: 'dataset', action: 'update', changed: 'data' },
  UPDATED_DATASET_STRUCTURE: { object: 'dataset', action: 'update', changed: 'structure' },
  UPDATED_DATASET_STRUCTURE_DATA: { object: 'dataset', action: 'update', changed: 'structure' },
  DELETED_DATASET: { object: 'dataset', action: 'delete', changed: 'data' },
  NEW_CODE_LIST: { object: 'codelist', action: 'create', changed: 'codelist' },
  UPDATED_CODE_LIST: { object: 'codelist', action: 'update', changed: 'codelist' },
  DELETED_CODE_LIST: { object: 'codelist', action: 'delete', changed: 'codelist' },
};

/** One change the feed reports. */
export interface FeedEvent extends FeedChange {
  /** Lower-case code of the dataset or code list. */
  code: string;
  category: string;
  /** When Eurostat published the change, UTC. */
  time: Date;
  /** 1-based position of the item in the feed. */
  item: number;
}

/** A feed read: its events and the items it could not use (an unknown category). */
export interface Feed {
  events: FeedEvent[];
  skipped: { item: number; reason: string }[];
}

const CODE_IN_TITLE = /^\s*([A-Za-z0-9_]{1,64})(?:\s+-\s|\s*$)/;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name, path) => path === 'rss.channel.item' || name === 'category',
});

/**
 * Parses the feed; throws LS_EUROSTAT_FEED_MALFORMED naming the source and the line and column
 * of bad XML, or the item whose code or time cannot be read. An item of a category Eurostat may
 * add later is skipped and reported, not fatal.
 */
export function parseFeed(xml: string, source = 'update feed'): Feed {
  const fail = (message: string) =>
    new EurostatError('LS_EUROSTAT_FEED_MALFORMED', `${source}: ${message}`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw fail(`line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  }
  const doc = parser.parse(xml) as { rss?: { channel?: { item?: unknown[] } } };
  const channel = doc.rss?.channel;
  if (typeof channel !== 'object' || channel === null) {
    throw fail('expected an RSS document <rss><channel>…</channel></rss>');
  }
  const items = (channel.item ?? []) as Record<string, unknown>[];
  const events: FeedEvent[] = [];
  const skipped: Feed['skipped'] = [];
  items.forEach((raw, index) => {
    const item = index + 1;
    const title = text(raw.title);
    const category = (raw.category as unknown[] | undefined)?.map(text).find((c) => c !== '') ?? '';
    const change = FEED_CATEGORIES[category];
    if (!change) {
      skipped.push({
        item,
        reason: `category ${JSON.stringify(category)} is not one the watcher knows`,
      });
      return;
    }
    const code = CODE_IN_TITLE.exec(title)?.[1];
    if (code === undefined) {
      throw fail(
        `item ${item}: the title ${JSON.stringify(title.slice(0, 80))} does not start with a code`,
      );
    }
    const published = text(raw.pubDate);
    const time = feedTime(published);
    if (time === undefined) {
      throw fail(`item ${item} (${code}): pubDate ${JSON.stringify(published)} is not a time`);
    }
    events.push({ ...change, code: code.toLowerCase(), category, time, item });
  });
  return { events, skipped };
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && '#text' in value) return text(value['#text']);
  return '';
}
