import { join } from 'node:path';
import { QUALITY_STREAM_TABLE, type QualityReport, qualityReportReplaces } from '@lakestream/lake';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentsDuckdbWriter } from '../src/documents-duckdb.js';
import { report, writeRecordsObject } from './support/documents-lake.js';
import { queryDuckdb, TestBed } from './support/test-bed.js';

const TOPIC = 'test.quality_reports';
const TABLE = `${QUALITY_STREAM_TABLE.schema}.${QUALITY_STREAM_TABLE.table}`;

interface Row {
  insert_id: string;
  source: string;
  created_at: string;
  overall_score: number;
  load_ts: string;
}

async function rows(path: string): Promise<Row[]> {
  return queryDuckdb<Row>(
    path,
    `SELECT insert_id, source, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS created_at, overall_score, CAST(load_ts AS VARCHAR) AS load_ts FROM ${TABLE} ORDER BY insert_id`,
  );
}

/** A small deterministic generator (mulberry32), so a failing case can be replayed by seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reports.quality_stream MERGE (DuckDB)', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it('keeps, for every insert id, what applying the records one by one with qualityReportReplaces keeps', async () => {
    const store = await bed.localStore();
    const path = join(await bed.folder(), 'warehouse.duckdb');
    const writer = createDocumentsDuckdbWriter({ path, store });
    const seed = 20_241_205;
    const next = random(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    // Few ids and few distinct times: ties and both source orders come up often.
    const times = [
      '2024-03-01T10:00:00.000001Z',
      '2024-03-01T10:00:00.000002Z',
      '2024-03-01T12:00:00+02:00', // = 10:00:00Z: the zone counts, not the text
      '2024-03-01T10:00:00Z',
      '2024-03-01T10:00:00.0000019Z', // nanoseconds below the microsecond are cut, as the rule cuts them
    ];
    const expected = new Map<string, QualityReport>();
    let marker = 0;
    let offset = 0;
    for (let object = 0; object < 25; object++) {
      const batch: QualityReport[] = [];
      const size = 1 + Math.floor(next() * 12);
      for (let i = 0; i < size; i++) {
        batch.push(
          report(
            `id-${pick([1, 2, 3, 4, 5])}`,
            pick(['stream', 'backfill']),
            pick(times),
            marker++,
          ),
        );
      }
      for (const r of batch) {
        const existing = expected.get(r.insert_id);
        if (!existing || qualityReportReplaces(r, existing)) expected.set(r.insert_id, r);
      }
      const manifest = await writeRecordsObject(store, TOPIC, 0, offset, batch);
      offset += batch.length;
      await writer.mergeQualityReports(manifest);
      const actual = await rows(path);
      expect(
        actual.map((r) => [r.insert_id, r.source, r.overall_score]),
        `seed ${seed}, after object ${object}`,
      ).toEqual(
        [...expected.values()]
          .sort((a, b) => a.insert_id.localeCompare(b.insert_id))
          .map((r) => [r.insert_id, r.source, r.overall_score]),
      );
    }
  });

  it('a re-run changes nothing, load_ts included; the later created_at wins, a stream row wins a tie', async () => {
    const store = await bed.localStore();
    const path = join(await bed.folder(), 'warehouse.duckdb');
    const writer = createDocumentsDuckdbWriter({ path, store });
    const stream = await writeRecordsObject(store, TOPIC, 0, 0, [
      report('a', 'stream', '2024-01-01T00:00:00.000000Z', 1),
      report('b', 'stream', '2024-01-01T00:00:00.000000Z', 2),
    ]);
    const first = await writer.mergeQualityReports(stream);
    expect(first).toMatchObject({ reports: 2, staged: 2, changed: 2 });
    const before = await rows(path);
    expect(await writer.mergeQualityReports(stream)).toMatchObject({ changed: 0 });
    expect(await rows(path)).toEqual(before);
    // An older backfill row and one with the same created_at both lose to the stream rows.
    const backfill = await writeRecordsObject(store, TOPIC, 1, 0, [
      report('a', 'backfill', '2023-12-31T23:59:59.999999Z', 3),
      report('b', 'backfill', '2024-01-01T00:00:00Z', 4),
      report('c', 'backfill', '2024-01-01T00:00:00.000000Z', 5),
    ]);
    expect(await writer.mergeQualityReports(backfill)).toMatchObject({ changed: 1 });
    const after = await rows(path);
    expect(after.map((r) => [r.insert_id, r.source, r.overall_score])).toEqual([
      ['a', 'stream', 1],
      ['b', 'stream', 2],
      ['c', 'backfill', 5],
    ]);
    expect(after[0]!.load_ts).toBe(before[0]!.load_ts);
    // A backfill row one microsecond newer replaces a stream row; a stream row with the same
    // created_at as a backfill row replaces it.
    const later = await writeRecordsObject(store, TOPIC, 2, 0, [
      report('a', 'backfill', '2024-01-01T00:00:00.000001Z', 6),
      report('c', 'stream', '2024-01-01T00:00:00Z', 7),
    ]);
    expect(await writer.mergeQualityReports(later)).toMatchObject({ changed: 2 });
    expect((await rows(path)).map((r) => [r.insert_id, r.source, r.overall_score])).toEqual([
      ['a', 'backfill', 6],
      ['b', 'stream', 2],
      ['c', 'stream', 7],
    ]);
  });

  it('skips and reports records that are not quality reports, merging the rest', async () => {
    const store = await bed.localStore();
    const path = join(await bed.folder(), 'warehouse.duckdb');
    const writer = createDocumentsDuckdbWriter({ path, store });
    const manifest = await writeRecordsObject(store, TOPIC, 2, 40, [
      report('a', 'stream', '2024-01-01T00:00:00Z', 1),
      { ...report('b', 'stream', '2024-01-01T00:00:00Z', 2), source: 'elsewhere' },
      { hello: 'world' },
    ]);
    const outcome = await writer.mergeQualityReports(manifest);
    expect(outcome.reports).toBe(1);
    expect(outcome.invalid.map((x) => [x.partition, x.offset])).toEqual([
      [2, 41],
      [2, 42],
    ]);
    expect(outcome.invalid[0]!.reason).toContain('source');
    expect((await rows(path)).map((r) => r.insert_id)).toEqual(['a']);
  });
});
