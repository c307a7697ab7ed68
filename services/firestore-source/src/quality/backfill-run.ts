/**
 * One backfill: a managed export read as a stream, each selected document mapped to a
 * QualityReport and published keyed by insert_id, duplicates dropped within the run, every bad
 * input quarantined with its file and byte offset; the rest goes on.
 */
import { isoMicros, type QualityReport } from '@lakestream/lake';
import {
  type ExportDocument,
  type ExportFacts,
  readManagedExport,
} from '../managed-export/index.js';
import type { DocumentGlob } from './document-glob.js';
import { QualityError, type QualityErrorCode } from './errors.js';
import type { BatchPublisher } from './publisher.js';
import { type BadInput, deadLetterOf, fromReader, quarantineRecord } from './quarantine.js';
import { mapQualityDocument } from './report-mapping.js';

/** Bad inputs listed by place in the summary, per code. */
export const FIRST_BAD_SHOWN = 5;

/** What a backfill is asked to do. */
export interface BackfillOptions {
  /** A local folder, `file://…` or `gs://bucket/prefix`. */
  location: string;
  glob: DocumentGlob;
  /** `created_at` of reports without `createdAt`; default the export's start time. */
  snapshotTime?: string;
  /** Where the reports go; null on a dry run. */
  reports: BatchPublisher | null;
  /** Where the dead letters go; null on a dry run. */
  quarantine: BatchPublisher | null;
  /** Distinct insert ids remembered for deduplication. */
  dedupLimit: number;
  signal?: AbortSignal;
  /** fake-gcs-server for `gs://` locations (default: the environment's). */
  emulatorHost?: string;
  /** Called after each document with the counts so far (progress, metrics). */
  onDocument?: (counts: BackfillCounts) => void;
  /** Called for each bad input as it is quarantined. */
  onBad?: (bad: BadInput) => void;
}

/** Bad inputs of one code. */
export interface BadTally {
  count: number;
  /** The first `FIRST_BAD_SHOWN`, where they were. */
  first: { file: string; offset: number; path: string | null; message: string }[];
}

/** What a backfill did. */
export interface BackfillCounts {
  documents: number;
  /** Reports handed to the topic (each distinct insert id once, or again when a later version). */
  published: number;
  /** Documents whose insert id was already published in this run with an equal or later created_at. */
  duplicates: number;
  /** Documents that are not quality reports or not selected by the pattern. */
  skipped: number;
  bad: Map<QualityErrorCode, BadTally>;
  /** Reports whose insert id was past the dedup limit, so not remembered. */
  notRemembered: number;
  /** The `created_at` used for reports without `createdAt` (null when none was known). */
  fallbackCreatedAt: string | null;
  facts: ExportFacts | null;
}

/** Total bad inputs. */
export function badTotal(counts: BackfillCounts): number {
  let total = 0;
  for (const tally of counts.bad.values()) total += tally.count;
  return total;
}

/** Runs one backfill; throws the reader's fatal error (export unreadable) or a publish failure. */
export async function runBackfill(options: BackfillOptions): Promise<BackfillCounts> {
  const counts: BackfillCounts = {
    documents: 0,
    published: 0,
    duplicates: 0,
    skipped: 0,
    bad: new Map(),
    notRemembered: 0,
    fallbackCreatedAt: options.snapshotTime ?? null,
    facts: null,
  };
  // insert_id → created_at (µs since the epoch) of the version published: a later duplicate
  // with a later created_at is published too (the warehouse keeps the later), any other dropped.
  const seen = new Map<string, number>();
  const waiting: BadInput[] = [];
  const quarantine = async (bad: BadInput) => {
    const tally = counts.bad.get(bad.code) ?? { count: 0, first: [] };
    tally.count++;
    if (tally.first.length < FIRST_BAD_SHOWN) {
      tally.first.push({
        file: bad.file,
        offset: bad.offset,
        path: bad.path,
        message: bad.message,
      });
    }
    counts.bad.set(bad.code, tally);
    options.onBad?.(bad);
    await options.quarantine?.add(quarantineRecord(deadLetterOf(bad)));
  };
  const drain = async () => {
    while (waiting.length > 0) await quarantine(waiting.shift()!);
  };

  const read = () =>
    readManagedExport(options.location, {
      onBadRecord: (bad) => waiting.push(fromReader(bad)),
      onFacts: (facts) => {
        counts.facts = facts;
        counts.fallbackCreatedAt ??= facts.startTime ?? facts.endTime;
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.emulatorHost ? { emulatorHost: options.emulatorHost } : {}),
    });
  try {
    for await (const document of read()) await take(document);
  } catch (err) {
    if (err instanceof QualityError || options.signal?.aborted) throw err;
    throw new QualityError(
      'LS_QUALITY_EXPORT_UNREADABLE',
      `export ${options.location} cannot be read: ${(err as Error).message}`,
      { cause: err },
    );
  }
  await drain();
  await options.reports?.flush();
  await options.quarantine?.flush();
  return counts;

  async function take(document: ExportDocument): Promise<void> {
    await drain();
    counts.documents++;
    const mapped = mapQualityDocument(document, {
      glob: options.glob,
      fallbackCreatedAt: counts.fallbackCreatedAt,
    });
    if (mapped.kind === 'skipped') counts.skipped++;
    else if (mapped.kind === 'bad') {
      await quarantine({
        ...mapped,
        file: document.file,
        offset: document.offset,
        path: document.path,
        raw: JSON.stringify({ path: document.path, fields: document.fields }),
      });
    } else if (remember(seen, mapped.report, options.dedupLimit, counts)) {
      counts.published++;
      await options.reports?.add({
        key: mapped.report.insert_id,
        value: JSON.stringify(mapped.report),
      });
    } else counts.duplicates++;
    options.onDocument?.(counts);
  }
}

/** Whether the report is to be published; records it as the insert id's latest version. */
function remember(
  seen: Map<string, number>,
  report: QualityReport,
  limit: number,
  counts: BackfillCounts,
): boolean {
  // created_at is ISO with microseconds (the mapping writes it so): a double holds it exactly.
  const createdAt = Number(isoMicros(report.created_at));
  const previous = seen.get(report.insert_id);
  if (previous !== undefined) {
    if (createdAt <= previous) return false;
    seen.set(report.insert_id, createdAt);
    return true;
  }
  if (seen.size < limit) seen.set(ownCopy(report.insert_id), createdAt);
  else counts.notRemembered++;
  return true;
}

/**
 * The id as one flat string of its own. The mapped id is V8's concatenation of slices of the
 * document path, so keeping it would keep the pieces and the whole path: ~370 bytes an entry for
 * 20-character team and report ids, against ~120 for the copy.
 */
function ownCopy(id: string): string {
  return Buffer.from(id).toString();
}
