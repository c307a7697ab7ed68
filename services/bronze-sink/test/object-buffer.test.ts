import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildManifest, createLineEncoder, lineText, ObjectBuffer } from '../src/index.js';

const encode = createLineEncoder('t', 0);
const line = (offset: number, ts: number) =>
  encode({
    key: null,
    value: Buffer.from(`{"n":${offset}}`),
    timestamp: String(ts),
    offset: String(offset),
    attributes: 0,
    headers: {},
  });

describe('ObjectBuffer', () => {
  it('compresses its lines into one gzip object and tracks what the manifest needs', async () => {
    const lines = [line(10, 5_000), line(11, 1_000), line(13, 9_000)];
    const buffer = new ObjectBuffer(lines[0]!, 0, 6);
    buffer.append(lines[1]!);
    buffer.append(lines[2]!);
    const object = await buffer.seal();
    expect(gunzipSync(object.body).toString()).toBe(lines.map(lineText).join(''));
    expect(object).toMatchObject({
      firstOffset: 10,
      lastOffset: 13,
      recordCount: 3,
      uncompressedBytes: Buffer.byteLength(lines.map(lineText).join('')),
      firstTimestampMs: 5_000,
      minTimestampMs: 1_000,
      maxTimestampMs: 9_000,
    });
    const manifest = buildManifest({
      object,
      startOffset: 9,
      topic: 't',
      partition: 0,
      key: 'k',
      uri: 'file:///k',
      writer: 'w',
      writtenAt: new Date(0),
    });
    expect(manifest).toEqual({
      version: 1,
      uri: 'file:///k',
      key: 'k',
      topic: 't',
      partition: 0,
      start_offset: 9,
      first_offset: 10,
      last_offset: 13,
      next_offset: 14,
      record_count: 3,
      bytes: object.body.length,
      uncompressed_bytes: object.uncompressedBytes,
      min_record_time: '1970-01-01T00:00:01.000Z',
      max_record_time: '1970-01-01T00:00:09.000Z',
      written_at: '1970-01-01T00:00:00.000Z',
      writer: 'w',
      format: 'jsonl.gz',
    });
  });

  it('keeps a line larger than a chunk whole', async () => {
    const huge = encode({
      key: null,
      value: Buffer.from(JSON.stringify({ s: 'é'.repeat(300_000) })),
      timestamp: '0',
      offset: '1',
      attributes: 0,
      headers: {},
    });
    const buffer = new ObjectBuffer(line(0, 0), 0, 1);
    buffer.append(huge);
    buffer.append(line(2, 0));
    const text = gunzipSync((await buffer.seal()).body).toString();
    expect(text).toBe(lineText(line(0, 0)) + lineText(huge) + lineText(line(2, 0)));
  });

  it('handles objects larger than one compression chunk', async () => {
    const first = line(0, 0);
    const buffer = new ObjectBuffer(first, 0, 1);
    const all = [lineText(first)];
    for (let i = 1; i < 30_000; i++) {
      const l = line(i, 0);
      buffer.append(l);
      all.push(lineText(l));
    }
    expect(gunzipSync((await buffer.seal()).body).toString()).toBe(all.join(''));
  });

  it('is full at the record or byte limit, and says when one more line would exceed it', () => {
    const first = line(0, 0);
    const size = first.bytes;
    const buffer = new ObjectBuffer(first, 0, 1);
    expect(buffer.isFull({ maxRecords: 2, maxBytes: 1_000 })).toBe(false);
    expect(buffer.isFull({ maxRecords: 1, maxBytes: 1_000 })).toBe(true);
    expect(buffer.isFull({ maxRecords: 10, maxBytes: size })).toBe(true);
    expect(buffer.wouldExceed(size, { maxRecords: 2, maxBytes: 2 * size })).toBe(false);
    expect(buffer.wouldExceed(size + 1, { maxRecords: 2, maxBytes: 2 * size })).toBe(true);
    expect(buffer.wouldExceed(1, { maxRecords: 1, maxBytes: 1_000 })).toBe(true);
    buffer.discard();
  });
});
