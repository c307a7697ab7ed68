import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@lakestream/kafka';
import { parseDeadLetter, QualityReportSchema } from '@lakestream/lake';
import { createLogger } from '@lakestream/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackfillCounts, runBackfill } from '../src/quality/backfill-run.js';
import { loadQualityConfig } from '../src/quality/config.js';
import { compileDocumentGlob, DEFAULT_DOCUMENT_GLOB } from '../src/quality/document-glob.js';
import { openQualityKafka, type QualityKafka } from '../src/quality/kafka-wiring.js';
import { BatchPublisher } from '../src/quality/publisher.js';
import { sampleQualityDocument } from '../src/quality/samples.js';
import { encodeEntity, type FsDocument, type FsValue, fs } from './support/export-entity.js';
import { kindMetadata, LogWriter, writeExport } from './support/export-writer.js';
import {
  brokers,
  deleteTopics,
  readAll,
  runCli,
  testKafka,
  testTopic,
} from './support/quality-kafka.js';

const START_MICROS = 1_710_000_000_000_000n; // 2024-03-09T16:00:00Z
const START_ISO = '2024-03-09T16:00:00.000000Z';
const entity = { app: 's~demo-quality', indexed: true };
const kafka = testKafka();
const topics: string[] = [];
let root: string;

/** A sample report document as an export fixture document (tagged values). */
function sampleDoc(i: number, over: Record<string, FsValue | undefined> = {}): FsDocument {
  const { path, fields } = sampleQualityDocument(i, { seed: 5, teams: 3 });
  const metrics = Object.fromEntries(
    Object.entries(fields.metrics as Record<string, number>).map(([k, v]) => [
      k,
      Number.isInteger(v) ? fs.int(v) : fs.double(v),
    ]),
  );
  const created = fields.createdAt as string;
  const micros =
    BigInt(Date.parse(`${created.slice(0, 19)}Z`)) * 1000n + BigInt(created.slice(20, 26));
  const all: Record<string, FsValue | undefined> = {
    metrics: fs.map(metrics),
    createdAt: fs.timestamp(micros),
    ...over,
  };
  return {
    path,
    fields: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<
      string,
      FsValue
    >,
  };
}

/** The insert id of a report document path. */
function idOf(path: string): string {
  const [, team, , report, , ts] = path.split('/');
  return `${team}-${report}-${ts}`;
}

async function withKafka<T>(
  reportsTopic: string,
  quarantineTopic: string,
  fn: (k: QualityKafka, config: ReturnType<typeof loadQualityConfig>) => Promise<T>,
): Promise<T> {
  const config = loadQualityConfig({
    KAFKA_BROKERS: brokers().join(','),
    QUALITY_REPORTS_TOPIC: reportsTopic,
    QUALITY_QUARANTINE_TOPIC: quarantineTopic,
    QUALITY_BATCH_RECORDS: '7',
  });
  const k = await openQualityKafka(
    config,
    [
      { role: TOPICS.qualityReports, name: reportsTopic },
      { role: TOPICS.firestoreQuarantine, name: quarantineTopic },
    ],
    createLogger({ service: 'test', level: 'warn' }),
  );
  try {
    return await fn(k, config);
  } finally {
    await k.close();
  }
}

async function backfill(
  location: string,
  reportsTopic: string,
  quarantineTopic: string,
): Promise<BackfillCounts> {
  return withKafka(reportsTopic, quarantineTopic, (k, config) =>
    runBackfill({
      location,
      glob: compileDocumentGlob(DEFAULT_DOCUMENT_GLOB),
      reports: new BatchPublisher(k.producer, reportsTopic, config.batchRecords, 2),
      quarantine: new BatchPublisher(k.producer, quarantineTopic, config.batchRecords, 2),
      dedupLimit: config.dedupLimit,
    }),
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'backfill-run-'));
});
afterAll(async () => {
  await deleteTopics(kafka, topics);
  await rm(root, { recursive: true, force: true });
});

describe('backfill over a managed export', () => {
  it('publishes every report once across output files, fragments and duplicates, skips the rest, quarantines bad documents; a re-run publishes the same', async () => {
    const good = Array.from({ length: 30 }, (_, i) => sampleDoc(i));
    // Fragmented across blocks: a report with 80 KiB of notes.
    good[4] = sampleDoc(4, { notes: 'n'.repeat(80 * 1024) });
    // No createdAt: the export's start time stands in.
    good[5] = sampleDoc(5, { createdAt: undefined });
    const outside = { path: 'teams/team-1/reports/report-1/qualityReports/not-a-time', fields: {} };
    const wrongDepth = { path: 'teams/team-1/qualityReports/1700000000', fields: {} };
    const badMetric = sampleDoc(40, { metrics: fs.map({ gaps: 'three' }) });
    // Documents of one collection are dealt to output-0, output-1, output-0, … in this order.
    const docs: FsDocument[] = [
      ...good,
      // The same documents again: dropped as duplicates (good[0] in its own file, good[4] in
      // the other one).
      good[0]!,
      good[4]!,
      outside,
      // A later version of report 7, read after it (output-1): published too, since the
      // warehouse keeps the later.
      sampleDoc(7, { createdAt: fs.timestamp(1_800_000_000_000_000n) }),
      badMetric,
      { path: 'teams/team-1', fields: { name: 'one' } },
      { path: 'teams/team-1/reports/report-1/notes/1700000000', fields: {} },
      // Last, so the documents above keep their output files.
      wrongDepth,
    ];
    const written = await writeExport(root, 'export-a', docs, {
      layout: 'kinds',
      outputs: 2,
      startMicros: START_MICROS,
      entity,
    });
    const reportsTopic = testTopic('reports');
    const quarantineTopic = testTopic('quarantine');
    topics.push(reportsTopic, quarantineTopic);

    const counts = await backfill(written.dir, reportsTopic, quarantineTopic);
    expect(counts).toMatchObject({
      documents: docs.length,
      published: 31,
      duplicates: 2,
      skipped: 2,
    });
    expect(counts.fallbackCreatedAt).toBe(START_ISO);
    expect([...counts.bad].map(([code, t]) => [code, t.count]).sort()).toEqual([
      ['LS_QUALITY_BAD_METRIC', 1],
      ['LS_QUALITY_OUTSIDE_PATTERN', 2],
    ]);

    const records = await readAll(kafka, reportsTopic);
    expect(records).toHaveLength(31);
    const reports = records.map((r) => {
      const report = QualityReportSchema.parse(JSON.parse(r.value!.toString()));
      expect(r.key!.toString()).toBe(report.insert_id);
      return report;
    });
    expect(new Set(reports.map((r) => r.insert_id)).size).toBe(30);
    expect(
      reports.find((r) => r.insert_id.endsWith(good[5]!.path.split('/')[5]!))?.created_at,
    ).toBe(START_ISO);
    expect(reports.every((r) => r.source === 'backfill')).toBe(true);
    const seventh = reports.filter((r) => r.insert_id === idOf(good[7]!.path));
    expect(seventh.map((r) => r.created_at)).toEqual([
      seventh[0]!.created_at,
      '2027-01-15T08:00:00.000000Z',
    ]);

    // Each bad document's dead letter names its output file and the byte offset of its record.
    const letters = (await readAll(kafka, quarantineTopic)).map((r) => parseDeadLetter(r.value!));
    const where = (path: string) => {
      const file = written.files.find((f) => f.docs.some((d) => d.path === path))!;
      return {
        file: join(written.dir, file.file),
        offset: file.docs.find((d) => d.path === path)!.offset,
        path,
      };
    };
    expect(letters.map((l) => [l.reasons[0]!.code, l.source]).sort()).toEqual(
      [
        ['LS_QUALITY_BAD_METRIC', { kind: 'export', ...where(badMetric.path) }],
        ['LS_QUALITY_OUTSIDE_PATTERN', { kind: 'export', ...where(outside.path) }],
        ['LS_QUALITY_OUTSIDE_PATTERN', { kind: 'export', ...where(wrongDepth.path) }],
      ].sort(),
    );

    // A re-run publishes the same keys and values (the warehouse MERGE makes it a no-op).
    await backfill(written.dir, reportsTopic, quarantineTopic);
    const again = (await readAll(kafka, reportsTopic)).slice();
    const values = (rs: typeof again) => rs.map((r) => `${r.key}=${r.value}`).sort();
    const firstRun = values(records);
    const both = values(again);
    expect(both).toHaveLength(62);
    expect(both.filter((_, i) => i % 2 === 0)).toEqual(firstRun);
    expect(both.filter((_, i) => i % 2 === 1)).toEqual(firstRun);
  });

  it('quarantines every bad-record class of the reader with its file and byte offset; the good reports around them are published', async () => {
    const dir = join(root, 'export-b');
    const folder = join(dir, 'all_namespaces', 'kind_qualityReports');
    await mkdir(folder, { recursive: true });
    const doc = (i: number) => encodeEntity(sampleDoc(100 + i), entity);
    // output-0: good, not an entity, good, an unknown meaning, good.
    const out0 = new LogWriter()
      .add(doc(0))
      .add(Buffer.from([0xff, 0xff, 0xff, 0x0f]))
      .add(doc(1))
      .add(encodeEntity(sampleDoc(102, { odd: fs.raw(99, Buffer.from([0x08, 0x01])) }), entity))
      .add(doc(3));
    // output-1: a record whose data no longer matches its CRC, alone in its file.
    const out1 = new LogWriter().add(doc(4));
    const damaged = out1.bytes();
    damaged[20] = damaged[20]! ^ 0xff;
    // output-2: good, then a record cut by the end of the file (fragmented over two blocks).
    const out2 = new LogWriter()
      .add(doc(5))
      .add(encodeEntity(sampleDoc(106, { notes: 'x'.repeat(50_000) }), entity));
    const cut = out2.bytes().subarray(0, 40_000);
    await writeFile(join(folder, 'output-0'), out0.bytes());
    await writeFile(join(folder, 'output-1'), damaged);
    await writeFile(join(folder, 'output-2'), cut);
    await writeFile(
      join(folder, 'all_namespaces_kind_qualityReports.export_metadata'),
      kindMetadata('export-b', START_MICROS, START_MICROS + 1000n, [
        'output-0',
        'output-1',
        'output-2',
      ]),
    );
    const reportsTopic = testTopic('reports');
    const quarantineTopic = testTopic('quarantine');
    topics.push(reportsTopic, quarantineTopic);

    const counts = await backfill(dir, reportsTopic, quarantineTopic);
    expect(counts).toMatchObject({ published: 4, duplicates: 0, skipped: 0 });
    const published = (await readAll(kafka, reportsTopic)).map(
      (r) => JSON.parse(r.value!.toString()).insert_id,
    );
    const expectedIds = [100, 101, 103, 105].map((i) => idOf(sampleDoc(i).path));
    expect(published.sort()).toEqual(expectedIds.sort());

    const letters = (await readAll(kafka, quarantineTopic)).map((r) => parseDeadLetter(r.value!));
    const found = letters
      .map((l) => [
        l.reasons[0]!.code,
        l.source.kind === 'export' ? [l.source.file, l.source.offset] : null,
      ])
      .sort();
    expect(found).toEqual(
      [
        ['LS_QUALITY_EXPORT_BAD_ENTITY', [join(folder, 'output-0'), out0.offsets[1]]],
        ['LS_QUALITY_EXPORT_UNKNOWN_PROPERTY_TYPE', [join(folder, 'output-0'), out0.offsets[3]]],
        ['LS_QUALITY_EXPORT_CRC_MISMATCH', [join(folder, 'output-1'), 0]],
        ['LS_QUALITY_EXPORT_TRUNCATED', [join(folder, 'output-2'), out2.offsets[1]]],
      ].sort(),
    );
    for (const letter of letters) {
      expect(letter).toMatchObject({ component: 'firestore-backfill', dlq_version: 1 });
      expect(letter.raw_bytes).toBeGreaterThan(0);
    }
    expect([...counts.bad.values()].reduce((n, t) => n + t.count, 0)).toBe(4);

    // The command: the summary names each class with file:offset, and exit 1 says bad input was quarantined.
    const cli = await runCli(['backfill', '--export', dir], {
      QUALITY_REPORTS_TOPIC: reportsTopic,
      QUALITY_QUARANTINE_TOPIC: quarantineTopic,
    });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('reports published    4');
    expect(cli.stdout).toContain(`${join(folder, 'output-1')}:0`);
    expect(cli.stdout).toContain('LS_QUALITY_EXPORT_TRUNCATED  1');
  });
});
