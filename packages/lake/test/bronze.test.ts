import { describe, expect, it } from 'vitest';
import {
  BronzeManifestSchema,
  bronzeManifestKey,
  bronzeObjectKey,
  bronzeTopicPrefix,
  hourOf,
  hourPartition,
  manifestNextOffset,
  manifestStartOffset,
  OFFSET_DIGITS,
  padOffset,
  parseBronzeManifest,
  parseBronzeObjectKey,
  type WrittenBronzeManifest,
  WrittenBronzeManifestSchema,
} from '../src/index.js';

describe('bronze object keys', () => {
  it('follows bronze/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<offset, 20 digits>.jsonl.gz', () => {
    const ts = Date.UTC(2018, 0, 31, 23, 59, 59, 999);
    expect(bronzeObjectKey('lakestream.order_items.v1', 2, 1234, ts)).toBe(
      'bronze/lakestream.order_items.v1/dt=2018-01-31/hour=23/lakestream.order_items.v1+2+00000000000000001234.jsonl.gz',
    );
    expect(bronzeObjectKey('t', 0, 0, ts).startsWith(bronzeTopicPrefix('t'))).toBe(true);
  });

  it('takes the UTC hour of the record timestamp, whatever the local time zone', () => {
    expect(hourPartition(Date.UTC(2018, 1, 1, 0, 0, 0))).toEqual({ dt: '2018-02-01', hour: '00' });
    expect(hourPartition(Date.UTC(2018, 0, 31, 23, 59, 59, 999))).toEqual({
      dt: '2018-01-31',
      hour: '23',
    });
    expect(hourPartition(0)).toEqual({ dt: '1970-01-01', hour: '00' });
    expect(hourOf(Date.UTC(2018, 0, 31, 23, 0))).toBe(hourOf(Date.UTC(2018, 0, 31, 23, 59, 59)));
    expect(hourOf(Date.UTC(2018, 1, 1, 0))).toBe(hourOf(Date.UTC(2018, 0, 31, 23)) + 1);
  });

  it('pads offsets so that keys sort in offset order, up to the largest Kafka offset', () => {
    expect(OFFSET_DIGITS).toBe(20);
    expect(padOffset(0)).toBe('00000000000000000000');
    expect(padOffset(Number.MAX_SAFE_INTEGER)).toHaveLength(20);
    expect('9223372036854775807'.length).toBeLessThanOrEqual(OFFSET_DIGITS);
    const offsets = [0, 9, 10, 99, 100, 12_345, 1_000_000, 2 ** 40];
    const keys = offsets.map((o) => bronzeObjectKey('t', 0, o, 0));
    expect([...keys].sort()).toEqual(keys);
  });

  it('round-trips: a key reads back as what built it', () => {
    for (const [topic, partition, offset, ts] of [
      ['orders', 11, 42, Date.UTC(2020, 5, 1, 7)],
      ['lakestream.order_items.v1', 0, 0, 0],
      ['a-b_c.d', 2, Number.MAX_SAFE_INTEGER, Date.UTC(2099, 11, 31, 23, 59)],
    ] as const) {
      const key = bronzeObjectKey(topic, partition, offset, ts);
      expect(parseBronzeObjectKey(key)).toEqual({
        topic,
        partition,
        startOffset: offset,
        ...hourPartition(ts),
      });
    }
  });

  it('refuses keys of another shape', () => {
    for (const key of [
      'bronze/a/dt=2020-06-01/hour=07/b+1+00000000000000000042.jsonl.gz', // folder ≠ name
      'bronze/a/dt=2018-01-31/a+2+0.jsonl.gz', // no hour
      'bronze/a/dt=2018-01-31/hour=22/a+2+0.json',
      'bronze/a/dt=2018-01-31/hour=22/a+2+99999999999999999999.jsonl.gz', // not a safe integer
      'silver/x.parquet',
    ]) {
      expect(parseBronzeObjectKey(key), key).toBeUndefined();
    }
  });
});

const written: WrittenBronzeManifest = {
  version: 1,
  uri: 'file:///lake/bronze/t/dt=2025-01-01/hour=10/t+1+00000000000000000100.jsonl.gz',
  key: 'bronze/t/dt=2025-01-01/hour=10/t+1+00000000000000000100.jsonl.gz',
  topic: 't',
  partition: 1,
  start_offset: 100,
  first_offset: 102,
  last_offset: 150,
  next_offset: 151,
  record_count: 40,
  bytes: 900,
  uncompressed_bytes: 4000,
  min_record_time: '2025-01-01T10:00:00.000Z',
  max_record_time: '2025-01-01T10:05:00.000Z',
  written_at: '2025-01-01T10:06:00.000Z',
  writer: 'bronze-sink-host-1',
  format: 'jsonl.gz',
};

describe('bronze manifest', () => {
  it('parses what the sink writes, with its offset range', () => {
    expect(WrittenBronzeManifestSchema.parse(written)).toEqual(written);
    const manifest = parseBronzeManifest(Buffer.from(JSON.stringify(written)));
    expect([manifestStartOffset(manifest), manifestNextOffset(manifest)]).toEqual([100, 151]);
  });

  it('parses a manifest written before start_offset/next_offset existed, its range from first/last offset', () => {
    const {
      start_offset: _s,
      next_offset: _n,
      uncompressed_bytes: _u,
      min_record_time: _min,
      max_record_time: _max,
      written_at: _w,
      writer: _writer,
      ...old
    } = written;
    const manifest = parseBronzeManifest(JSON.stringify(old));
    expect(manifest.start_offset).toBeUndefined();
    expect([manifestStartOffset(manifest), manifestNextOffset(manifest)]).toEqual([102, 151]);
    // What the sink writes now must not lose those fields.
    expect(WrittenBronzeManifestSchema.safeParse(old).success).toBe(false);
  });

  it('allows a field a newer writer adds, and refuses a broken one', () => {
    expect(BronzeManifestSchema.safeParse({ ...written, added_later: true }).success).toBe(true);
    expect(BronzeManifestSchema.safeParse({ ...written, version: 2 }).success).toBe(false);
    expect(BronzeManifestSchema.safeParse({ ...written, first_offset: -1 }).success).toBe(false);
    expect(BronzeManifestSchema.safeParse({ ...written, format: 'parquet' }).success).toBe(false);
    expect(() => parseBronzeManifest('not json')).toThrow(SyntaxError);
  });

  it('keys every manifest of a partition alike, so they stay in order in one manifest partition', () => {
    expect(bronzeManifestKey('lakestream.order_items.v1', 2)).toBe('lakestream.order_items.v1+2');
  });
});
