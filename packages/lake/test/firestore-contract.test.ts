import { describe, expect, it } from 'vitest';
import {
  BronzeFileManifestSchema,
  bronzeFileManifestKey,
  bronzeManifestKey,
  buildDeadLetter,
  DeadLetterRecordSchema,
  deadLetterHeaders,
  type FirestoreFileSource,
  firestoreDoubleJson,
  firestoreExportKey,
  firestoreIntegerJson,
  firestoreTimestampJson,
  firestoreWarehouseSchema,
  isBronzeFileManifestKey,
  parseBronzeAnnouncement,
  parseDeadLetter,
  parseReportTimestamp,
  parseTopicManifest,
  QUALITY_STREAM_COLUMNS,
  type QualityReport,
  QualityReportSchema,
  qualityInsertId,
  qualityReportReplaces,
} from '../src/index.js';

const source: FirestoreFileSource = {
  dataset: 'firestore',
  project: 'demo-project',
  collection: 'teams',
  run_id: 'run-2024-05-01',
  read_time: '2024-05-01T00:00:00.123456Z',
  target_schema: 'firestore_demo_project',
  target_table: 'teams',
  columns: [
    { name: '_ls_path', type: 'STRING' },
    { name: '_ls_export_run', type: 'STRING' },
    { name: '_ls_read_time', type: 'TIMESTAMP' },
    { name: 'tags', type: 'JSON' },
  ],
};
const key = firestoreExportKey('demo-project', 'teams', new Date(source.read_time), source.run_id);
const fileManifest = {
  version: 1,
  kind: 'file',
  uri: `gs://lake/${key}`,
  key,
  record_count: 3,
  bytes: 100,
  uncompressed_bytes: 300,
  written_at: '2024-05-01T00:00:05.000Z',
  writer: 'firestore-source@host',
  format: 'jsonl.gz',
  source,
} as const;

describe('bronze file manifests', () => {
  it('parse as file announcements, keyed apart from topic manifests', () => {
    expect(BronzeFileManifestSchema.parse(fileManifest)).toEqual(fileManifest);
    expect(parseBronzeAnnouncement(JSON.stringify(fileManifest))).toEqual({
      kind: 'file',
      manifest: fileManifest,
    });
    expect(bronzeFileManifestKey(source)).toBe('file+firestore+demo-project+teams');
    expect(isBronzeFileManifestKey(bronzeFileManifestKey(source))).toBe(true);
    expect(isBronzeFileManifestKey(Buffer.from(bronzeFileManifestKey(source)))).toBe(true);
    expect(isBronzeFileManifestKey(bronzeManifestKey('lakestream.order_items.v1', 0))).toBe(false);
    expect(isBronzeFileManifestKey(null)).toBe(false);
  });

  it('are passed over, unparsed, by readers of topic manifests; a broken topic manifest still throws', () => {
    const topicManifest = {
      version: 1,
      uri: 'file:///lake/bronze/t/x.jsonl.gz',
      key: 'bronze/t/x.jsonl.gz',
      topic: 't',
      partition: 0,
      first_offset: 0,
      last_offset: 4,
      record_count: 5,
      bytes: 10,
      format: 'jsonl.gz',
    };
    const fileKey = Buffer.from(bronzeFileManifestKey(source));
    const topicKey = Buffer.from(bronzeManifestKey('t', 0));
    expect(
      parseTopicManifest({ key: fileKey, value: JSON.stringify(fileManifest) }),
    ).toBeUndefined();
    // A file manifest of a later version does not stop a reader of topic ranges either.
    expect(parseTopicManifest({ key: fileKey, value: '{"version":2}' })).toBeUndefined();
    expect(parseTopicManifest({ key: topicKey, value: null })).toBeUndefined();
    expect(
      parseTopicManifest({ key: topicKey, value: Buffer.from(JSON.stringify(topicManifest)) }),
    ).toEqual(topicManifest);
    expect(() => parseTopicManifest({ key: topicKey, value: 'not json' })).toThrow(SyntaxError);
    expect(() =>
      parseTopicManifest({ key: topicKey, value: JSON.stringify(fileManifest) }),
    ).toThrow();
  });

  it('refuse a file manifest outside bronze, of another format, or without columns', () => {
    for (const bad of [
      { ...fileManifest, key: 'silver/x.jsonl.gz' },
      { ...fileManifest, format: 'parquet' },
      { ...fileManifest, source: { ...source, columns: [] } },
      { ...fileManifest, source: { ...source, columns: [{ name: 'x', type: 'NUMERIC' }] } },
      { ...fileManifest, source: { ...source, dataset: 'mysql' } },
    ]) {
      expect(() => parseBronzeAnnouncement(JSON.stringify(bad))).toThrow();
    }
    // Without kind 'file' it is read as a topic manifest, which it is not either.
    expect(() => parseBronzeAnnouncement(JSON.stringify({ ...fileManifest, kind: 'x' }))).toThrow();
  });
});

describe('Firestore export keys and names', () => {
  it('are deterministic in project, collection, run, dated by the read time in UTC', () => {
    expect(key).toBe('bronze/firestore/demo-project/teams/dt=2024-05-01/run-2024-05-01.jsonl.gz');
    const lateEvening = new Date('2024-04-30T23:30:00-02:00');
    expect(firestoreExportKey('p', 'c', lateEvening, 'r1')).toContain('/dt=2024-05-01/');
    expect(firestoreWarehouseSchema('demo-project-2')).toBe('firestore_demo_project_2');
  });

  it('refuse slashes in names and unsafe run ids', () => {
    const at = new Date(0);
    expect(() => firestoreExportKey('a/b', 'c', at, 'r')).toThrow(RangeError);
    expect(() => firestoreExportKey('p', 'c/d', at, 'r')).toThrow(RangeError);
    expect(() => firestoreExportKey('p', '', at, 'r')).toThrow(RangeError);
    for (const run of ['', '../x', 'a b', '-x', 'x'.repeat(129)]) {
      expect(() => firestoreExportKey('p', 'c', at, run)).toThrow(RangeError);
    }
  });
});

describe('Firestore values as JSON', () => {
  it('writes timestamps in UTC with exactly six fractional digits, before 1970 too', () => {
    expect(firestoreTimestampJson(1_700_000_000n, 123_456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(firestoreTimestampJson(1_700_000_000, 0)).toBe('2023-11-14T22:13:20.000000Z');
    expect(firestoreTimestampJson(0, 7)).toBe('1970-01-01T00:00:00.000007Z');
    expect(firestoreTimestampJson(-1, 500_000)).toBe('1969-12-31T23:59:59.500000Z');
  });

  it('keeps int64 exact: a number while safe, else decimal text', () => {
    expect(firestoreIntegerJson(42n)).toBe(42);
    expect(firestoreIntegerJson(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(firestoreIntegerJson(2n ** 53n)).toBe('9007199254740992');
    expect(firestoreIntegerJson(-(2n ** 63n))).toBe('-9223372036854775808');
  });

  it('writes the doubles JSON has no room for as text', () => {
    expect(firestoreDoubleJson(1.5)).toBe(1.5);
    expect(firestoreDoubleJson(-0)).toBe(-0);
    expect(firestoreDoubleJson(Number.NaN)).toBe('NaN');
    expect(firestoreDoubleJson(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(firestoreDoubleJson(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });
});

describe('quality reports', () => {
  const report = (over: Partial<QualityReport> = {}): QualityReport => ({
    version: 1,
    insert_id: qualityInsertId('t1', 'r1', '1700000000'),
    team_id: 't1',
    report_id: 'r1',
    report_ts: '2023-11-14T22:13:20.000000Z',
    overall_score: 90,
    coverage: null,
    gaps: 1,
    overlaps: 0,
    avg_dur: null,
    created_at: '2023-11-14T22:14:00.000001Z',
    source: 'backfill',
    ...over,
  });

  it('identify a report by team, report and timestamp id', () => {
    expect(qualityInsertId('t1', 'r1', '1700000000')).toBe('t1-r1-1700000000');
    expect(QualityReportSchema.parse(report())).toEqual(report());
    expect(() => QualityReportSchema.parse({ ...report(), source: 'batch' })).toThrow();
    expect(() => QualityReportSchema.parse({ ...report(), created_at: '2023-11-14' })).toThrow();
    expect(QUALITY_STREAM_COLUMNS.map((c) => c.name)).toEqual([
      ...Object.keys(report()).filter((k) => k !== 'version'),
      'load_ts',
    ]);
  });

  it('read report ids as compact dates, epoch seconds, ms or µs, or ISO dates, to the microsecond', () => {
    const at = parseReportTimestamp;
    expect(at('20240101')).toBe('2024-01-01T00:00:00.000000Z');
    expect(at('20240101120000')).toBe('2024-01-01T12:00:00.000000Z');
    expect(at('1700000000')).toBe('2023-11-14T22:13:20.000000Z');
    expect(at('0')).toBe('1970-01-01T00:00:00.000000Z');
    expect(at('1700000000123')).toBe('2023-11-14T22:13:20.123000Z');
    expect(at('1700000000123456')).toBe('2023-11-14T22:13:20.123456Z');
    expect(at('2023-11-14T22:13:20.5Z')).toBe('2023-11-14T22:13:20.500000Z');
    expect(at('2023-11-14T22:13:20.1234567Z')).toBe('2023-11-14T22:13:20.123456Z');
    expect(at('2023-11-14T23:13:20.000001+01:00')).toBe('2023-11-14T22:13:20.000001Z');
    expect(at('2023-11-14T23:13:20+0100')).toBe('2023-11-14T22:13:20.000000Z');
    expect(at('2023-11-14T20:13:20-02:00')).toBe('2023-11-14T22:13:20.000000Z');
    expect(at('2024-01-01T10:00:00')).toBe('2024-01-01T10:00:00.000000Z');
    expect(at('2024-01-01T10:00')).toBe('2024-01-01T10:00:00.000000Z');
    expect(at('2024-01-01')).toBe('2024-01-01T00:00:00.000000Z');
    for (const id of [
      '',
      'abc',
      '170000000012345678',
      '20241301',
      '20240230',
      '20240101250000',
      '2024-02-30',
      '2024-01-01T10:00:00Zulu',
      '-5',
      '1e9',
    ]) {
      expect(at(id), id).toBeUndefined();
    }
  });

  it('let the later created_at win whatever the source, and a stream row win a tie with a backfill row', () => {
    const older = { source: 'backfill', created_at: '2024-01-01T00:00:00.000001Z' } as const;
    const newer = { source: 'backfill', created_at: '2024-01-01T00:00:00.000002Z' } as const;
    expect(qualityReportReplaces(newer, older)).toBe(true);
    expect(qualityReportReplaces(older, newer)).toBe(false);
    // Same source, same created_at keeps the row already there: a re-run changes nothing.
    expect(qualityReportReplaces(older, { ...older })).toBe(false);
    const oldStream = { source: 'stream', created_at: '2000-01-01T00:00:00Z' } as const;
    // A newer backfill row replaces an older stream row; an older one never does.
    expect(qualityReportReplaces(newer, oldStream)).toBe(true);
    expect(qualityReportReplaces(oldStream, newer)).toBe(false);
    // On a tie the stream row wins, from either side.
    const tieStream = { source: 'stream', created_at: older.created_at } as const;
    expect(qualityReportReplaces(tieStream, older)).toBe(true);
    expect(qualityReportReplaces(older, tieStream)).toBe(false);
    expect(qualityReportReplaces(tieStream, { ...tieStream })).toBe(false);
    // Microseconds count, and offsets are compared as instants.
    expect(
      qualityReportReplaces(
        { source: 'backfill', created_at: '2024-01-01T01:00:00.000000+01:00' },
        { source: 'stream', created_at: '2023-12-31T23:59:59.999999Z' },
      ),
    ).toBe(true);
    expect(
      qualityReportReplaces(
        { source: 'stream', created_at: '2024-01-01T01:00:00+01:00' },
        { source: 'backfill', created_at: '2024-01-01T00:00:00.000000Z' },
      ),
    ).toBe(true);
  });
});

describe('export dead letters', () => {
  it('carry the export file, byte offset and document path, in the value and the headers', () => {
    const letter = buildDeadLetter({
      component: 'firestore-backfill',
      reasons: [
        { code: 'LS_QUALITY_EXPORT_CRC_MISMATCH', message: 'crc', column: null, value: null },
      ],
      raw: Buffer.from([0xff, 0x00]),
      source: {
        kind: 'export',
        file: 'gs://b/e/all_namespaces/kind_x/output-3',
        offset: 32768,
        path: null,
      },
      failedAt: new Date('2024-05-01T00:00:00Z'),
    });
    expect(parseDeadLetter(JSON.stringify(letter))).toEqual(letter);
    expect(DeadLetterRecordSchema.parse(letter).source).toEqual({
      kind: 'export',
      file: 'gs://b/e/all_namespaces/kind_x/output-3',
      offset: 32768,
      path: null,
    });
    expect(letter).toMatchObject({ raw: '/wA=', raw_encoding: 'base64', raw_bytes: 2 });
    expect(deadLetterHeaders(letter)).toEqual({
      'lakestream-dlq-version': '1',
      'lakestream-error-code': 'LS_QUALITY_EXPORT_CRC_MISMATCH',
      'lakestream-source-file': 'gs://b/e/all_namespaces/kind_x/output-3',
      'lakestream-source-byte-offset': '32768',
      'lakestream-component': 'firestore-backfill',
    });
    const negative = { ...letter, source: { ...letter.source, offset: -1 } };
    expect(() => parseDeadLetter(JSON.stringify(negative))).toThrow();
  });
});
