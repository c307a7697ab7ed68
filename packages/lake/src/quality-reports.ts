/**
 * Quality reports: Firestore documents at
 * `teams/{teamId}/reports/{reportId}/qualityReports/{timestamp}`, in one warehouse table that a
 * live stream and a managed-export backfill both fill. Both publish the same record on
 * `lakestream.quality_reports.v1`, keyed by `insert_id`; the warehouse applies them through a
 * staging table and a MERGE on `insert_id`, so neither a re-run nor an overlap counts a report
 * twice.
 */
import { z } from 'zod';

/** Version of the record's shape; bumped on any change a reader could notice. */
export const QUALITY_REPORT_VERSION = 1 as const;

/** Where a report came from. A `stream` row is never replaced by a `backfill` row. */
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

/** The warehouse columns of `reports.quality_stream`, in order (BigQuery types). */
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
] as const;

/** The identity of a report: `<teamId>-<reportId>-<timestamp>`, the ids as in the document path. */
export function qualityInsertId(teamId: string, reportId: string, timestamp: string): string {
  return `${teamId}-${reportId}-${timestamp}`;
}

/**
 * A report document id read as a time: 1–11 digits are epoch seconds, 12–14 digits epoch
 * milliseconds, 15–17 digits microseconds; otherwise an ISO 8601 date-time with a zone. Undefined
 * for anything else (such a document is outside the pattern).
 */
export function parseReportTimestamp(id: string): Date | undefined {
  if (/^\d{1,17}$/.test(id)) {
    const n = Number(id);
    const ms = id.length <= 11 ? n * 1000 : id.length <= 14 ? n : Math.floor(n / 1000);
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(id))
    return undefined;
  const date = new Date(id);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Which of two versions of a report the table keeps: a stream row always wins over a backfill
 * row; between two rows of the same source the later `created_at` wins, and a tie keeps the row
 * already there (a re-run changes nothing). The warehouse MERGE states the same rule in SQL.
 */
export function qualityReportReplaces(
  incoming: Pick<QualityReport, 'source' | 'created_at'>,
  existing: Pick<QualityReport, 'source' | 'created_at'>,
): boolean {
  if (incoming.source !== existing.source) return incoming.source === 'stream';
  return epochMicros(incoming.created_at) > epochMicros(existing.created_at);
}

/** An ISO 8601 date-time as microseconds since the epoch (Date.parse stops at milliseconds). */
function epochMicros(iso: string): bigint {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const ms = Date.parse(iso.replace(/\.\d+/, ''));
  return BigInt(ms) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}
