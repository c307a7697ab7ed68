/**
 * Sample quality reports, deterministic in (seed, teams, index): `quality-events` publishes them
 * as stream events, and a backfill fixture built from `sampleQualityDocument` holds the same
 * reports as export documents. Sample `i` has the same insert id on both sides, so publishing
 * indexes [a, b) and exporting [c, d) with the same seed and teams overlaps on their intersection.
 */
import { parseReportTimestamp, type QualityReport, qualityInsertId } from '@lakestream/lake';

/** What picks a sample. */
export interface SampleSpec {
  seed: number;
  /** Teams the reports are spread over (`team-1` … `team-K`). */
  teams: number;
}

/** The first report's time (epoch seconds); sample i is 15 minutes after sample i − 1. */
const BASE_EPOCH_SECONDS = 1_700_000_000;

/** mulberry32: a small, fast, well-spread generator; enough for sample data. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The document behind sample `index`: its path and fields (the lake's Firestore JSON encoding). */
export function sampleQualityDocument(
  index: number,
  spec: SampleSpec,
): { path: string; fields: Record<string, unknown> } {
  const rng = generator(Math.imul(spec.seed ^ 0x9e3779b9, 2_654_435_761) + index);
  const teamId = `team-${1 + Math.floor(rng() * spec.teams)}`;
  const reportId = `report-${Math.floor(rng() * 1000)}`;
  const epoch = BASE_EPOCH_SECONDS + index * 900;
  // Every fourth id is an ISO time, the rest epoch seconds: both forms Firestore users write.
  const timestamp = index % 4 === 3 ? new Date(epoch * 1000).toISOString() : String(epoch);
  const micros = Math.floor(rng() * 1_000_000);
  const created = new Date((epoch + 60) * 1000).toISOString().slice(0, 19);
  const metrics: Record<string, number> = {
    overallScore: Math.round(rng() * 10_000) / 100,
    coverage: Math.round(rng() * 1000) / 1000,
    gaps: Math.floor(rng() * 6),
    overlaps: Math.floor(rng() * 4),
  };
  // Some reports lack a metric: the column is then null.
  if (index % 7 !== 0) metrics.avgDur = Math.round(rng() * 60_000) / 100;
  return {
    path: `teams/${teamId}/reports/${reportId}/qualityReports/${timestamp}`,
    fields: { metrics, createdAt: `${created}.${String(micros).padStart(6, '0')}Z` },
  };
}

/** Sample `index` as a stream event (source `stream`). */
export function sampleStreamReport(index: number, spec: SampleSpec): QualityReport {
  const { path, fields } = sampleQualityDocument(index, spec);
  const [, teamId, , reportId, , timestamp] = path.split('/') as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const metrics = fields.metrics as Record<string, number | undefined>;
  return {
    version: 1,
    insert_id: qualityInsertId(teamId, reportId, timestamp),
    team_id: teamId,
    report_id: reportId,
    report_ts: parseReportTimestamp(timestamp)!,
    overall_score: metrics.overallScore ?? null,
    coverage: metrics.coverage ?? null,
    gaps: metrics.gaps ?? null,
    overlaps: metrics.overlaps ?? null,
    avg_dur: metrics.avgDur ?? null,
    created_at: fields.createdAt as string,
    source: 'stream',
  };
}
