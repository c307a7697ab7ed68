/**
 * Quality reports: Firestore documents at
 * `teams/{teamId}/reports/{reportId}/qualityReports/{timestamp}`, in one warehouse table that a
 * live stream and a managed-export backfill both fill. Both publish the same record on
 * `lakestream.quality_reports.v1`, keyed by `insert_id`; the warehouse applies them through a
 * staging table and a MERGE on `insert_id`, so neither a re-run nor an overlap counts a report
 * twice.
 */
import { z } from 'zod';
import type { FileColumn } from './bronze-file.js';

/** Version of the record's shape; bumped on any change a reader could notice. */
export const QUALITY_REPORT_VERSION = 1 as const;

/** Where a report came from. On an equal `created_at`, a `stream` row beats a `backfill` row. */
export const QUALITY_REPORT_SOURCES = ['backfill', 'stream'] as const;
export type QualityReportSource = (typeof QUALITY_REPORT_SOURCES)[number];

/** The warehouse table both sources fill: `reports.quality_stream`. */
export const QUALITY_STREAM_TABLE = { schema: 'reports', table: 'quality_stream' } as const;

/** The documents a backfill takes (a collection group; the ids are path segments). */
export const QUALITY_REPORT_PATTERN =
  'teams/{teamId}/reports/{reportId}/qualityReports/{timestamp}';

const isoTime = z.iso.datetime({ offset: true });
const metric = z.number().nullable();
const id = z.string().min(1);

/** One quality report, as both sources publish it (JSON, keyed by `insert_id`). */
export const QualityReportSchema = z.object({
  version: z.literal(QUALITY_REPORT_VERSION),
  /** `<teamId>-<reportId>-<timestamp>`: the report's identity (`qualityInsertId`). */
  insert_id: id,
  team_id: id,
  report_id: id,
  /** The report's time: its document id read as a time (`parseReportTimestamp`), UTC. */
  report_ts: isoTime,
  /** `metrics.overallScore`, `.coverage`, `.gaps`, `.overlaps`, `.avgDur`; null when absent. */
  overall_score: metric,
  coverage: metric,
  gaps: metric,
  overlaps: metric,
  avg_dur: metric,
  /** `createdAt`, or the document's update time when it has none (UTC, microseconds). */
  created_at: isoTime,
  source: z.enum(QUALITY_REPORT_SOURCES),
});
export type QualityReport = z.infer<typeof QualityReportSchema>;

/** The warehouse columns of `reports.quality_stream`, in order, in the file manifests' type names. */
export const QUALITY_STREAM_COLUMNS = [
  { name: 'insert_id', type: 'STRING' },
  { name: 'team_id', type: 'STRING' },
  { name: 'report_id', type: 'STRING' },
  { name: 'report_ts', type: 'TIMESTAMP' },
  { name: 'overall_score', type: 'FLOAT64' },
  { name: 'coverage', type: 'FLOAT64' },
  { name: 'gaps', type: 'FLOAT64' },
  { name: 'overlaps', type: 'FLOAT64' },
  { name: 'avg_dur', type: 'FLOAT64' },
  { name: 'created_at', type: 'TIMESTAMP' },
  { name: 'source', type: 'STRING' },
  /** When the warehouse wrote the row (the MERGE's time); unchanged when a re-run changes nothing. */
  { name: 'load_ts', type: 'TIMESTAMP' },
] as const satisfies readonly FileColumn[];

/** The identity of a report: `<teamId>-<reportId>-<timestamp>`, the ids as in the document path. */
export function qualityInsertId(teamId: string, reportId: string, timestamp: string): string {
  return `${teamId}-${reportId}-${timestamp}`;
}

/**
 * A report document id read as a time, UTC with 6 fractional digits (report_ts is exact to the
 * microsecond, which a Date cannot carry):
 * - 8 digits: a compact date `YYYYMMDD` (midnight UTC); 14 digits: `YYYYMMDDHHMMSS` (UTC);
 * - other digit runs: 1–11 epoch seconds, 12–13 epoch milliseconds, 15–17 epoch microseconds;
 * - an ISO 8601 date-time, its zone as given or UTC without one, fractional digits kept to the
 *   microsecond; an ISO date alone is midnight UTC.
 * Undefined for anything else, or a calendar date that does not exist (such a document is outside
 * the pattern).
 */
export function parseReportTimestamp(id: string): string | undefined {
  const micros = reportMicros(id);
  return micros === undefined ? undefined : isoOfMicros(micros);
}

/** A report document id as microseconds since the epoch (the forms `parseReportTimestamp` reads). */
function reportMicros(id: string): bigint | undefined {
  const compact = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(id);
  if (compact) {
    const [, y, mo, d, h = '00', mi = '00', s = '00'] = compact;
    return calendarMicros([y!, mo!, d!, h, mi, s], '');
  }
  if (/^\d{1,17}$/.test(id)) {
    const n = BigInt(id);
    return id.length <= 11 ? n * 1_000_000n : id.length <= 13 ? n * 1000n : n;
  }
  return isoMicros(id);
}

/**
 * An ISO 8601 date or date-time as microseconds since the epoch (a Date stops at milliseconds): its
 * zone as given, UTC without one; undefined when it is none or names a date that does not exist.
 */
export function isoMicros(text: string): bigint | undefined {
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      text,
    );
  if (iso === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = iso;
  const local = calendarMicros([y!, mo!, d!, h, mi, s], fraction);
  if (local === undefined || zone === 'Z') return local;
  const sign = zone.startsWith('-') ? -1n : 1n;
  const offsetMinutes = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  return local - sign * offsetMinutes * 60_000_000n;
}

/** The calendar fields read as UTC, with up to 6 fractional digits; undefined for a date that does not exist. */
function calendarMicros(fields: string[], fraction: string): bigint | undefined {
  const [y, mo, d, h, mi, s] = fields.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(ms);
  if (
    Number.isNaN(ms) ||
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return BigInt(ms) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}

/** Microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; undefined past a Date's range. */
function isoOfMicros(micros: bigint): string | undefined {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  const sub = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${date.toISOString().slice(0, 19)}.${String(sub).padStart(6, '0')}Z`;
}

/**
 * Which of two versions of a report the table keeps: the later `created_at` wins whatever the
 * source; on an equal `created_at` a stream row beats a backfill row; same source and equal
 * `created_at` keeps the row already there (a re-run changes nothing). So a stream row is never
 * replaced by an older backfill row. The warehouse MERGE states the same rule in SQL.
 */
export function qualityReportReplaces(
  incoming: Pick<QualityReport, 'source' | 'created_at'>,
  existing: Pick<QualityReport, 'source' | 'created_at'>,
): boolean {
  const a = createdMicros(incoming.created_at);
  const b = createdMicros(existing.created_at);
  if (a !== b) return a > b;
  return incoming.source === 'stream' && existing.source === 'backfill';
}

function createdMicros(createdAt: string): bigint {
  const micros = isoMicros(createdAt);
  if (micros === undefined)
    throw new RangeError(`created_at '${createdAt}' is not an ISO date-time`);
  return micros;
}
