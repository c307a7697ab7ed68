/**
 * Reads a bronze object of `lakestream.quality_reports.v1` (gzip JSON lines of the bronze sink's
 * record envelope: `{topic, partition, offset, timestamp, key, headers, value_encoding, value}`),
 * keeps the values that are quality reports, and reduces the object's duplicates by the
 * contract's own rule (`qualityReportReplaces`), in offset order, so the MERGE sees each insert
 * id once, as applying the records one by one would leave it.
 */
import { gunzipSync } from 'node:zlib';
import {
  type BronzeManifest,
  type QualityReport,
  QualityReportSchema,
  qualityReportReplaces,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import type { QualityOutcome } from './documents-writer.js';
import { LoaderError } from './errors.js';

/** A record of the object that is not a quality report: where it is and why. */
export interface InvalidReport {
  partition: number;
  offset: number;
  reason: string;
}

/** The object's reports, reduced to one per insert id, and what was skipped. */
export interface ReadReports {
  reports: number;
  invalid: InvalidReport[];
  staged: QualityReport[];
}

interface Envelope {
  partition?: unknown;
  offset?: unknown;
  value_encoding?: unknown;
  value?: unknown;
}

/** Parses the object (gzip bytes). Throws `LS_LOADER_DOCUMENTS_INVALID` when it is not JSON lines. */
export function readQualityReports(gzip: Buffer, key: string): ReadReports {
  let text: string;
  try {
    text = gunzipSync(gzip).toString('utf8');
  } catch (err) {
    throw new LoaderError('LS_LOADER_DOCUMENTS_INVALID', `${key} is not gzip: ${err}`, {
      cause: err,
    });
  }
  const byId = new Map<string, QualityReport>();
  const invalid: InvalidReport[] = [];
  let reports = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let record: Envelope;
    try {
      record = JSON.parse(line) as Envelope;
    } catch (err) {
      throw new LoaderError(
        'LS_LOADER_DOCUMENTS_INVALID',
        `${key} line ${i + 1} is not JSON: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const where = {
      partition: Number(record.partition),
      offset: Number(record.offset),
    };
    if (record.value_encoding !== 'json') {
      invalid.push({ ...where, reason: `value is not JSON (${String(record.value_encoding)})` });
      continue;
    }
    const parsed = QualityReportSchema.safeParse(record.value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (x) => `${x.path.join('.') || '(value)'}: ${x.message}`,
      );
      invalid.push({ ...where, reason: issues.join('; ') });
      continue;
    }
    reports++;
    const report = parsed.data;
    const existing = byId.get(report.insert_id);
    if (!existing || qualityReportReplaces(report, existing)) byId.set(report.insert_id, report);
  }
  return { reports, invalid, staged: [...byId.values()] };
}

/**
 * Reads a manifest's object from the lake, for either warehouse: the reports to stage, and the
 * merge's outcome before it changed anything.
 */
export async function readQualityObject(
  store: ObjectStore,
  manifest: BronzeManifest,
): Promise<{ staged: QualityReport[]; outcome: QualityOutcome }> {
  const read = readQualityReports(await store.get(manifest.key), manifest.key);
  return {
    staged: read.staged,
    outcome: {
      reports: read.reports,
      invalid: read.invalid,
      staged: read.staged.length,
      changed: 0,
    },
  };
}

/**
 * The staged reports as newline-delimited JSON in the table's column order (without `load_ts`,
 * which the MERGE sets). `created_at` keeps at most 6 fractional digits, cut as the rule compares
 * them, so a warehouse rounding nanoseconds cannot make two equal times unequal.
 */
export function stagedReportsJsonl(staged: readonly QualityReport[]): string {
  return staged
    .map((r) =>
      JSON.stringify({
        insert_id: r.insert_id,
        team_id: r.team_id,
        report_id: r.report_id,
        report_ts: toMicros(r.report_ts),
        overall_score: r.overall_score,
        coverage: r.coverage,
        gaps: r.gaps,
        overlaps: r.overlaps,
        avg_dur: r.avg_dur,
        created_at: toMicros(r.created_at),
        source: r.source,
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function toMicros(iso: string): string {
  return iso.replace(/(\.\d{6})\d+/, '$1');
}
