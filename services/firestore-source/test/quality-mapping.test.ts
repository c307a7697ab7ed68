import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QualityReportSchema } from '@lakestream/lake';
import { describe, expect, it } from 'vitest';
import { parseBackfillArgs } from '../src/quality/backfill-cli.js';
import { compileDocumentGlob, DEFAULT_DOCUMENT_GLOB } from '../src/quality/document-glob.js';
import { QUALITY_ERROR_CODES } from '../src/quality/errors.js';
import { parseEventsArgs } from '../src/quality/events-cli.js';
import { READER_CLASS_CODES } from '../src/quality/quarantine.js';
import { mapQualityDocument } from '../src/quality/report-mapping.js';
import { sampleQualityDocument, sampleStreamReport } from '../src/quality/samples.js';

const glob = compileDocumentGlob(DEFAULT_DOCUMENT_GLOB);
const snapshot = '2024-03-01T00:00:00.000000Z';
const map = (
  path: string,
  fields: Record<string, unknown> = {},
  fallback: string | null = snapshot,
) => mapQualityDocument({ path, fields }, { glob, fallbackCreatedAt: fallback });

describe('quality report mapping', () => {
  it('takes ids from the path, metrics from the map and createdAt as created_at', () => {
    const mapped = map('teams/t1/reports/r9/qualityReports/1700000000', {
      metrics: { overallScore: 91.5, coverage: 0.8, gaps: 2, overlaps: 0, avgDur: 12.25 },
      createdAt: '2023-11-14T22:14:20.123456Z',
      other: 'ignored',
    });
    expect(mapped).toEqual({
      kind: 'report',
      report: {
        version: 1,
        insert_id: 't1-r9-1700000000',
        team_id: 't1',
        report_id: 'r9',
        report_ts: '2023-11-14T22:13:20.000000Z',
        overall_score: 91.5,
        coverage: 0.8,
        gaps: 2,
        overlaps: 0,
        avg_dur: 12.25,
        created_at: '2023-11-14T22:14:20.123456Z',
        source: 'backfill',
      },
    });
  });

  it("falls back to the export's snapshot time without createdAt, and quarantines when there is none", () => {
    const doc = 'teams/t1/reports/r1/qualityReports/1700000000';
    expect(map(doc, { createdAt: null })).toMatchObject({ report: { created_at: snapshot } });
    expect(map(doc)).toMatchObject({ report: { created_at: snapshot } });
    expect(map(doc, {}, null)).toMatchObject({ kind: 'bad', code: 'LS_QUALITY_NO_CREATED_AT' });
    expect(map(doc, { createdAt: 'yesterday' })).toMatchObject({
      kind: 'bad',
      code: 'LS_QUALITY_BAD_CREATED_AT',
      field: 'createdAt',
    });
  });

  it('gives null metrics when the map or a metric is missing; a non-number is bad', () => {
    const doc = 'teams/t1/reports/r1/qualityReports/1700000000';
    expect(map(doc)).toMatchObject({
      report: { overall_score: null, coverage: null, gaps: null, overlaps: null, avg_dur: null },
    });
    expect(map(doc, { metrics: { gaps: 3, coverage: null } })).toMatchObject({
      report: { gaps: 3, coverage: null, avg_dur: null },
    });
    for (const [metrics, field] of [
      [{ gaps: '3' }, 'metrics.gaps'],
      [{ avgDur: 'NaN' }, 'metrics.avgDur'],
      [{ overallScore: { x: 1 } }, 'metrics.overallScore'],
      ['high', 'metrics'],
      [[1, 2], 'metrics'],
    ] as const) {
      expect(map(doc, { metrics })).toMatchObject({
        kind: 'bad',
        code: 'LS_QUALITY_BAD_METRIC',
        field,
      });
    }
  });

  it('reads numeric ids of seconds, milliseconds and microseconds, and ISO ids, keeping microseconds', () => {
    const ts = (id: string) =>
      (
        map(`teams/1/reports/2/qualityReports/${id}`) as {
          report?: { report_ts: string; insert_id: string };
        }
      ).report;
    expect(ts('1700000000')?.report_ts).toBe('2023-11-14T22:13:20.000000Z');
    expect(ts('1700000000123')?.report_ts).toBe('2023-11-14T22:13:20.123000Z');
    expect(ts('1700000000123456')?.report_ts).toBe('2023-11-14T22:13:20.123456Z');
    expect(ts('2023-11-14T22:13:20.123456+01:00')?.report_ts).toBe('2023-11-14T21:13:20.123456Z');
    expect(ts('2023-11-14T22:13:20Z')).toMatchObject({
      insert_id: '1-2-2023-11-14T22:13:20Z',
      report_ts: '2023-11-14T22:13:20.000000Z',
    });
    // Compact dates and date-times, and ISO ids without a zone, are UTC.
    expect(ts('20240101')?.report_ts).toBe('2024-01-01T00:00:00.000000Z');
    expect(ts('20240101120000')?.report_ts).toBe('2024-01-01T12:00:00.000000Z');
    expect(ts('2024-01-01T10:00:00')?.report_ts).toBe('2024-01-01T10:00:00.000000Z');
    expect(ts('2024-01-01')?.report_ts).toBe('2024-01-01T00:00:00.000000Z');
    expect(map('teams/1/reports/2/qualityReports/soon')).toMatchObject({
      kind: 'bad',
      code: 'LS_QUALITY_OUTSIDE_PATTERN',
    });
  });

  it('quarantines documents under qualityReports outside the pattern and skips every other document', () => {
    for (const path of [
      'teams/t1/reports/r1/qualityReports/not-a-time',
      'teams/t1/reports/r1/qualityReports/20241301',
      // The wrong depth, or the wrong parents: still a qualityReports document.
      'teams/t1/qualityReports/1700000000',
      'qualityReports/1700000000',
      'orgs/o1/reports/r1/qualityReports/1700000000',
      'teams/t1/reports/r1/x/y/qualityReports/1700000000',
    ]) {
      expect(map(path), path).toMatchObject({ kind: 'bad', code: 'LS_QUALITY_OUTSIDE_PATTERN' });
    }
    for (const path of [
      // Below a report: its parent collection is another one.
      'teams/t1/reports/r1/qualityReports/1700000000/details/d1',
      'teams/t1',
      'teams/t1/reports/r1',
      'teams/t1/reports/r1/notes/1700000000',
      'pods/p1',
    ]) {
      expect(map(path)).toEqual({ kind: 'skipped' });
    }
    // A document id "qualityReports" is not the collection.
    expect(map('teams/t1/reports/qualityReports')).toEqual({ kind: 'skipped' });
  });

  it('every report it makes passes the contract schema', () => {
    for (let i = 0; i < 50; i++) {
      const doc = sampleQualityDocument(i, { seed: 7, teams: 3 });
      const mapped = mapQualityDocument(doc, { glob, fallbackCreatedAt: null });
      expect(mapped.kind).toBe('report');
      const report = (mapped as { report: unknown }).report;
      expect(QualityReportSchema.parse(report)).toEqual(report);
      // The stream sample of the same index is the same report, from the other source.
      expect(sampleStreamReport(i, { seed: 7, teams: 3 })).toEqual({
        ...(report as object),
        source: 'stream',
      });
    }
  });
});

describe('--pattern globs', () => {
  it('matches * within a segment, ** across segments, and ancestors', () => {
    const oneTeam = compileDocumentGlob('teams/t1/**');
    expect(oneTeam.selects('teams/t1/reports/r/qualityReports/1')).toBe(true);
    expect(oneTeam.selects('teams/t10/reports/r/qualityReports/1')).toBe(false);
    const dated = compileDocumentGlob('teams/*/reports/*/qualityReports/17000*');
    expect(dated.selects('teams/a/reports/b/qualityReports/1700000000')).toBe(true);
    expect(dated.selects('teams/a/reports/b/qualityReports/1800000000')).toBe(false);
    const reports = compileDocumentGlob('teams/*/reports/r.1');
    expect(reports.selects('teams/a/reports/r.1/qualityReports/1')).toBe(true);
    expect(reports.selects('teams/a/reports/rx1/qualityReports/1')).toBe(false);
    expect(
      compileDocumentGlob('**/qualityReports/*').selects('teams/a/reports/b/qualityReports/1'),
    ).toBe(true);
  });

  it('narrows the backfill: a report outside the glob is skipped, not bad', () => {
    const oneTeam = compileDocumentGlob('teams/t1/**');
    const fields = { createdAt: snapshot };
    const exact = compileDocumentGlob('teams/*/reports/*/qualityReports/*');
    expect(
      mapQualityDocument(
        { path: 'teams/t1/qualityReports/1700000000', fields },
        { glob: exact, fallbackCreatedAt: null },
      ),
    ).toEqual({ kind: 'skipped' });
    expect(
      mapQualityDocument(
        { path: 'teams/t1/qualityReports/1700000000', fields },
        { glob: oneTeam, fallbackCreatedAt: null },
      ),
    ).toMatchObject({ kind: 'bad', code: 'LS_QUALITY_OUTSIDE_PATTERN' });
    expect(
      mapQualityDocument(
        { path: 'teams/t2/reports/r/qualityReports/1', fields },
        { glob: oneTeam, fallbackCreatedAt: null },
      ),
    ).toEqual({ kind: 'skipped' });
    expect(
      mapQualityDocument(
        { path: 'teams/t2/reports/r/qualityReports/x', fields },
        { glob: oneTeam, fallbackCreatedAt: null },
      ),
    ).toEqual({ kind: 'skipped' });
    expect(
      mapQualityDocument(
        { path: 'teams/t1/reports/r/qualityReports/1', fields },
        { glob: oneTeam, fallbackCreatedAt: null },
      ),
    ).toMatchObject({ kind: 'report' });
  });

  it('refuses malformed globs', () => {
    for (const text of ['', '/teams/*', 'teams/', 'teams//x', 'teams/a**']) {
      expect(() => compileDocumentGlob(text)).toThrow(RangeError);
    }
  });
});

describe('command lines', () => {
  it('backfill: --export is required; usage errors are reported', () => {
    expect(parseBackfillArgs([])).toMatchObject({ kind: 'error' });
    expect(parseBackfillArgs(['--export', 'x', '--pattern', 'a/**b'])).toMatchObject({
      kind: 'error',
    });
    expect(parseBackfillArgs(['--export', 'x', '--dry-run', '--wait'])).toMatchObject({
      kind: 'error',
    });
    expect(parseBackfillArgs(['--export', 'x', '--snapshot-time', 'now'])).toMatchObject({
      kind: 'error',
    });
    // Dates that do not exist are refused, not rolled over nor thrown.
    for (const time of ['2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T25:00:00Z']) {
      expect(parseBackfillArgs(['--export', 'x', '--snapshot-time', time])).toMatchObject({
        kind: 'error',
        message: expect.stringContaining(time),
      });
    }
    expect(
      parseBackfillArgs(['--export', 'x', '--snapshot-time', '2024-01-02T03:04:05.5+01:00']),
    ).toMatchObject({
      kind: 'run',
      location: 'x',
      snapshotTime: '2024-01-02T02:04:05.500000Z',
      dryRun: false,
      wait: false,
    });
  });

  it('quality-events: defaults and bounds', () => {
    expect(parseEventsArgs([])).toEqual({
      kind: 'run',
      count: 100,
      teams: 5,
      seed: 1,
      first: 0,
      wait: false,
    });
    expect(parseEventsArgs(['--teams', '0'])).toMatchObject({ kind: 'error' });
    expect(parseEventsArgs(['--count', '1.5'])).toMatchObject({ kind: 'error' });
    expect(parseEventsArgs(['--topic', 'a b'])).toMatchObject({ kind: 'error' });
  });
});

describe('error codes', () => {
  it('docs/quality.md lists every code', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', 'docs', 'quality.md'), 'utf8');
    for (const code of QUALITY_ERROR_CODES) expect(docs).toContain(`\`${code}\``);
    for (const code of Object.values(READER_CLASS_CODES))
      expect(QUALITY_ERROR_CODES).toContain(code);
  });
});
