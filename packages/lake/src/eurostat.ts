/**
 * The Eurostat source's contract: the update event that says a watched dataset has a new version
 * (on `lakestream.eurostat.updates.v1`, keyed by dataset code), where a version's raw answer lands
 * in bronze and its Parquet in silver, and the PostgreSQL schema the versions are loaded into. The
 * watcher (feed and catalogue) and the sync worker share nothing else.
 *
 * A dataset version is named by its update time: Eurostat's `updated` (JSON-stat) or the
 * catalogue's last data update, always written in UTC – `2024-05-01T09:00:00Z` in events,
 * `20240501T090000Z` in object keys (sortable, no `:` in object names).
 */
import { z } from 'zod';
import { BRONZE_PREFIX } from './bronze-key.js';

/** Version of the update event's shape; bumped on any change a reader could notice. */
export const EUROSTAT_EVENT_VERSION = 1 as const;

/** What changed in a dataset: its data, its structure (dimensions) or a code list it uses. */
export const EUROSTAT_CHANGE_KINDS = ['data', 'structure', 'codelist'] as const;
export type EurostatChangeKind = (typeof EUROSTAT_CHANGE_KINDS)[number];

/** Who saw the change: the update feed (RSS), the catalogue's dates, or a manual `sync`. */
export const EUROSTAT_EVENT_SOURCES = ['feed', 'catalog', 'manual'] as const;
export type EurostatEventSource = (typeof EUROSTAT_EVENT_SOURCES)[number];

/**
 * A Eurostat dataset code as the dissemination API names it (`hlth_cd_aro`, `DEMO_R_D2JAN`):
 * letters, digits and `_`. It becomes part of a table name and an object key, so nothing else.
 */
export const EUROSTAT_CODE = /^[A-Za-z0-9_]{1,64}$/;

const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const utcIso = z.string().regex(UTC_ISO, 'an ISO 8601 UTC time (…Z)');

/** One announcement that a watched dataset has a version not loaded yet. */
export const EurostatUpdateEventSchema = z.strictObject({
  version: z.literal(EUROSTAT_EVENT_VERSION),
  /** The dataset code, lower case (Eurostat's API accepts either; one spelling keeps keys equal). */
  code: z.string().regex(/^[a-z0-9_]{1,64}$/, 'a lower-case Eurostat dataset code'),
  /** The version's update time, UTC. */
  update_time: utcIso,
  /** What changed (the feed tells data, structure and code-list updates apart). */
  changed: z.enum(EUROSTAT_CHANGE_KINDS),
  source: z.enum(EUROSTAT_EVENT_SOURCES),
  /** Load even when this version is loaded already (`sync --force`). */
  force: z.boolean(),
  /** When the watcher (or the manual command) saw the change, UTC. */
  detected_at: utcIso,
});
export type EurostatUpdateEvent = z.infer<typeof EurostatUpdateEventSchema>;

/** Parses an update event from a Kafka message value; throws a ZodError naming every problem. */
export function parseEurostatUpdateEvent(value: string | Buffer): EurostatUpdateEvent {
  return EurostatUpdateEventSchema.parse(JSON.parse(value.toString()));
}

/** The lower-case code every key, table and event uses; refuses a code that cannot be one. */
export function eurostatCode(code: string): string {
  if (!EUROSTAT_CODE.test(code)) {
    throw new RangeError(`'${code}' is not a Eurostat dataset code (letters, digits and _)`);
  }
  return code.toLowerCase();
}

/** The Kafka key of an update event: the dataset code, so a dataset's events stay in order. */
export function eurostatUpdateKey(code: string): string {
  return eurostatCode(code);
}

/**
 * An update time in UTC ISO form, from any form Eurostat writes (`2024-05-01T11:00:00+0200`,
 * `…+02:00`, `…Z`) or a Date; milliseconds are dropped (Eurostat's times are to the second).
 */
export function eurostatUpdateTime(time: string | Date): string {
  const text =
    typeof time === 'string' ? time.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2') : time;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new RangeError(`'${String(time)}' is not a time`);
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** An update time as object keys write it: `YYYYMMDDTHHMMSSZ` (UTC). */
export function eurostatKeyTime(time: string | Date): string {
  return eurostatUpdateTime(time).replace(/[-:]/g, '');
}

/** Prefix of the Eurostat bronze objects. */
export const EUROSTAT_BRONZE_PREFIX = `${BRONZE_PREFIX}eurostat/`;

/** Prefix of the Eurostat silver objects. */
export const EUROSTAT_SILVER_PREFIX = 'silver/eurostat/';

/**
 * The bronze object of a dataset version's raw answer: `bronze/eurostat/<code>/<YYYYMMDDTHHMMSSZ>.json.gz`.
 * Deterministic in (code, update time): loading the same version again writes the same object.
 */
export function eurostatBronzeKey(code: string, updateTime: string | Date): string {
  return `${EUROSTAT_BRONZE_PREFIX}${eurostatCode(code)}/${eurostatKeyTime(updateTime)}.json.gz`;
}

/** The silver folder of a dataset: `silver/eurostat/<code>/` (its Parquet partitions below it). */
export function eurostatSilverPrefix(code: string): string {
  return `${EUROSTAT_SILVER_PREFIX}${eurostatCode(code)}/`;
}

/** The PostgreSQL schema the Eurostat tables live in. */
export const EUROSTAT_PG_SCHEMA = 'eurostat';

/**
 * The fixed tables of the schema and their columns, in order. The observations of a dataset are
 * in a table of their own (`eurostatObservationsTable`), whose columns are the dataset's dimensions.
 */
export const EUROSTAT_TABLES = {
  /** The table of contents: one row per dataset or table. */
  catalog: {
    name: 'catalog',
    columns: [
      'code',
      'title',
      'type',
      'last_data_update',
      'last_structure_change',
      'data_start',
      'data_end',
      'value_count',
    ],
  },
  /** The datasets selected by the keywords. */
  watchlist: { name: 'watchlist', columns: ['code', 'title', 'keyword', 'selected_at'] },
  /** One row per loaded (or refused) version. */
  loads: { name: 'loads', columns: ['code', 'update_time', 'rows', 'checks', 'loaded_at'] },
  /** The labels of every dimension's categories, per dataset. */
  dimensionLabels: {
    name: 'dimension_labels',
    columns: ['code', 'dimension', 'category', 'label', 'position'],
  },
} as const;

/** Columns every observations table has after the dataset's own dimension columns. */
export const EUROSTAT_OBSERVATION_COLUMNS = {
  /** The observed number; null where Eurostat gives only a status. */
  value: 'value',
  /** Eurostat's flag (`p`, `e`, `b`, `:` …); null when there is none. */
  status: 'status',
} as const;

/** The observations table of a dataset: `observations_<code, lower case>`. */
export function eurostatObservationsTable(code: string): string {
  return `observations_${eurostatCode(code)}`;
}
