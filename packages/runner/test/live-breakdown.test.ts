import type { BronzeManifest } from '@lakestream/lake';
import { describe, expect, it } from 'vitest';
import { LIVE_STAGES, type MeasuredRow, stageBreakdown } from '../src/index.js';

const T0 = Date.parse('2026-12-05T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function manifest(
  partition: number,
  first: number,
  last: number,
  writtenAt: number,
  topic = 'items',
) {
  return {
    version: 1,
    uri: `file:///lake/bronze/${topic}+${partition}+${first}.jsonl.gz`,
    key: `bronze/${topic}+${partition}+${first}.jsonl.gz`,
    topic,
    partition,
    first_offset: first,
    last_offset: last,
    record_count: last - first + 1,
    bytes: 1,
    written_at: at(writtenAt),
    format: 'jsonl.gz',
  } as BronzeManifest;
}

const row = (
  partition: number,
  offset: number,
  produced: number,
  batchId: string,
  visible: number,
): MeasuredRow => ({
  partition,
  offset,
  producedAt: T0 + produced * 1000,
  batchId,
  visibleAt: T0 + visible * 1000,
});

describe('live stage breakdown', () => {
  it('places each row in the manifest covering its offset and in its batch, stage by stage', () => {
    const manifests = [
      manifest(0, 0, 9, 1),
      manifest(0, 10, 19, 3),
      manifest(1, 0, 4, 2),
      // Another topic's manifest for the same partition and offsets: not this row's.
      manifest(0, 0, 19, 0.5, 'other'),
      // The same range written again after a crash, later: the first write counts.
      manifest(0, 10, 19, 9),
    ];
    const batches = {
      publishedAt: new Map([
        ['00000001', T0 + 2_000],
        ['00000002', T0 + 4_000],
      ]),
      appliedAt: new Map([
        ['00000001', T0 + 2_500],
        ['00000002', T0 + 5_000],
      ]),
    };
    const rows = [
      row(0, 5, 0, '00000001', 3),
      row(0, 15, 2, '00000002', 6),
      row(1, 3, 1, '00000001', 3),
    ];
    const figures = stageBreakdown(rows, manifests, 'items', batches);
    expect(figures.map((f) => f.stage)).toEqual([...LIVE_STAGES]);
    // Since produce: bronze 1, 1, 1 s; silver 2, 2, 1 s; applied 2.5, 3, 1.5 s; gold 3, 4, 2 s.
    expect(figures.map((f) => [f.median, f.p95])).toEqual([
      [1, 1],
      [2, 2],
      [2.5, 3],
      [3, 4],
    ]);
    // What each stage added: bronze 1, 1, 1; silver 1, 1, 0; applied 0.5, 1, 0.5; gold 0.5, 1, 0.5.
    expect(figures.map((f) => [f.stepMedian, f.stepP95])).toEqual([
      [1, 1],
      [1, 1],
      [0.5, 1],
      [0.5, 1],
    ]);
    expect(figures.every((f) => f.unplaced === 0)).toBe(true);
  });

  it('finds the earliest write of an offset among ranges written again with other boundaries', () => {
    const manifests = [manifest(0, 10, 19, 1), manifest(0, 10, 14, 5), manifest(0, 15, 25, 6)];
    const none = { publishedAt: new Map(), appliedAt: new Map() };
    const [bronze] = stageBreakdown([row(0, 17, 0, '00000001', 9)], manifests, 'items', none);
    expect(bronze).toMatchObject({ median: 1, unplaced: 0 });
  });

  it('counts the rows it cannot place instead of guessing', () => {
    const rows = [row(2, 0, 0, '00000009', 5)];
    const figures = stageBreakdown(rows, [manifest(0, 0, 9, 1)], 'items', {
      publishedAt: new Map(),
      appliedAt: new Map(),
    });
    expect(figures.map((f) => f.unplaced)).toEqual([1, 1, 1, 0]);
    expect(figures[3]).toMatchObject({ median: 5, p95: 5 });
    // The gold step needs the applied time, which is missing.
    expect(figures[3]!.stepMedian).toBeNaN();
  });
});
