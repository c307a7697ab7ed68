/**
 * A managed-export document → a QualityReport (pure). Documents at
 * `teams/{teamId}/reports/{reportId}/qualityReports/{timestamp}` are reports; any other document
 * whose parent collection is a `qualityReports` collection (another depth, other parents, an id
 * that is not a time) is bad input ("outside the pattern"); documents of other collections, and
 * those the `--pattern` excludes, are not reports and are skipped.
 */
import {
  parseReportTimestamp,
  type QualityReport,
  QualityReportSchema,
  qualityInsertId,
} from '@lakestream/lake';
import type { DocumentGlob } from './document-glob.js';
import type { QualityErrorCode } from './errors.js';

/** The collection id that marks quality-report territory. */
export const QUALITY_REPORTS_COLLECTION = 'qualityReports';

/** The `metrics` map's keys, by the report column they fill. */
export const METRIC_FIELDS = {
  overall_score: 'overallScore',
  coverage: 'coverage',
  gaps: 'gaps',
  overlaps: 'overlaps',
  avg_dur: 'avgDur',
} as const;

/** What a document is to the backfill. */
export type MappedDocument =
  | { kind: 'report'; report: QualityReport }
  | { kind: 'skipped' }
  | { kind: 'bad'; code: QualityErrorCode; message: string; field: string | null };

/** What the mapping needs besides the document. */
export interface MappingOptions {
  glob: DocumentGlob;
  /**
   * `created_at` of a report without `createdAt`: the export's snapshot time (a managed export
   * carries no per-document update time), null when unknown.
   */
  fallbackCreatedAt: string | null;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Maps one document (its path and its fields in the lake's Firestore JSON encoding). */
export function mapQualityDocument(
  document: { path: string; fields: Record<string, unknown> },
  options: MappingOptions,
): MappedDocument {
  // A `--pattern` narrows what is looked at; an excluded document is no bad input.
  if (!options.glob.selects(document.path)) return { kind: 'skipped' };
  const parts = document.path.split('/');
  // Collection ids sit at the even indexes of a document path: the parent's is second to last.
  if (parts.length < 2 || parts[parts.length - 2] !== QUALITY_REPORTS_COLLECTION) {
    return { kind: 'skipped' };
  }
  const [teams, teamId, reports, reportId, , timestamp] = parts;
  const reportTs = parts.length === 6 ? parseReportTimestamp(timestamp!) : undefined;
  if (teams !== 'teams' || reports !== 'reports' || reportTs === undefined) {
    return bad(
      'LS_QUALITY_OUTSIDE_PATTERN',
      `${document.path} is not at teams/{teamId}/reports/{reportId}/qualityReports/{timestamp} with a timestamp id`,
      null,
    );
  }
  const metrics = readMetrics(document.fields.metrics);
  if ('code' in metrics) return metrics;
  const createdAt = readCreatedAt(document.fields.createdAt, options.fallbackCreatedAt);
  if (typeof createdAt !== 'string') return createdAt;
  const parsed = QualityReportSchema.safeParse({
    version: 1,
    insert_id: qualityInsertId(teamId!, reportId!, timestamp!),
    team_id: teamId,
    report_id: reportId,
    report_ts: reportTs,
    ...metrics,
    created_at: createdAt,
    source: 'backfill',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return bad(
      'LS_QUALITY_SCHEMA',
      `${document.path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim(),
      issue?.path.join('.') || null,
    );
  }
  return { kind: 'report', report: parsed.data };
}

function bad(code: QualityErrorCode, message: string, field: string | null): MappedDocument {
  return { kind: 'bad', code, message, field };
}

type Metrics = Record<keyof typeof METRIC_FIELDS, number | null>;

function readMetrics(value: unknown): Metrics | Extract<MappedDocument, { kind: 'bad' }> {
  const out = Object.fromEntries(Object.keys(METRIC_FIELDS).map((k) => [k, null])) as Metrics;
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    return {
      kind: 'bad',
      code: 'LS_QUALITY_BAD_METRIC',
      message: `metrics is ${describe(value)}, not a map`,
      field: 'metrics',
    };
  }
  const map = value as Record<string, unknown>;
  for (const [column, key] of Object.entries(METRIC_FIELDS) as [keyof Metrics, string][]) {
    const metric = map[key];
    if (metric === undefined || metric === null) continue;
    // Only finite numbers: the contract writes NaN/±Infinity and int64 past 2^53 as text, and
    // the warehouse column is FLOAT64 with no room for either.
    if (typeof metric !== 'number' || !Number.isFinite(metric)) {
      return {
        kind: 'bad',
        code: 'LS_QUALITY_BAD_METRIC',
        message: `metrics.${key} is ${describe(metric)}, not a number`,
        field: `metrics.${key}`,
      };
    }
    out[column] = metric;
  }
  return out;
}

function readCreatedAt(
  value: unknown,
  fallback: string | null,
): string | Extract<MappedDocument, { kind: 'bad' }> {
  if (value === undefined || value === null) {
    if (fallback !== null) return fallback;
    return {
      kind: 'bad',
      code: 'LS_QUALITY_NO_CREATED_AT',
      message:
        'no createdAt, and the export gives no snapshot time to use instead (pass --snapshot-time)',
      field: 'createdAt',
    };
  }
  if (typeof value === 'string' && TIMESTAMP.test(value)) return value;
  return {
    kind: 'bad',
    code: 'LS_QUALITY_BAD_CREATED_AT',
    message: `createdAt is ${describe(value)}, not a timestamp`,
    field: 'createdAt',
  };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
