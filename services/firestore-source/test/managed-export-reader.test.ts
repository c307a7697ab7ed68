import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManagedExport } from '../src/managed-export/index.js';
import {
  comparable,
  expectedDocs,
  readWithOurs,
  readWithPython,
} from './support/export-cross-check.js';
import { encodeEntity, type FsDocument, fs, ProtoWriter } from './support/export-entity.js';
import { mixedDocs, smallDocs } from './support/export-fixtures.js';
import { LogWriter, writeExport } from './support/export-writer.js';

const BLOCK = 32 * 1024;
const APP = { app: 's~ls-test' };
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-managed-export-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Reads `dir` with our reader and `files` with Python; both must give `expected`, and no bad record. */
async function expectAllThreeAgree(dir: string, files: string[], expected: FsDocument[]) {
  const ours = await readWithOurs(dir);
  const python = await readWithPython(files);
  expect(ours.bad).toEqual([]);
  expect(ours.warnings).toEqual([]);
  expect(python.invalid).toBe(0);
  const want = comparable(expectedDocs(expected));
  expect(comparable(ours.docs)).toEqual(want);
  expect(comparable(python.docs)).toEqual(want);
  return ours;
}

/** A document whose record is exactly `size` bytes (for placing the next record in a block). */
function fillerDoc(size: number, id: string): FsDocument {
  for (let name = 1; name < 4; name++) {
    for (let k = Math.max(0, size - 200); k <= size; k++) {
      const doc = { path: `filler/${id}`, fields: { ['f'.repeat(name)]: 'x'.repeat(k) } };
      if (encodeEntity(doc, APP).length === size) return doc;
    }
  }
  throw new Error(`no filler of ${size} bytes`);
}

describe('managed-export reader: well-formed exports, cross-checked with the Python reader', () => {
  it('reads every value type in the all_kinds layout (emulator style: dev~ app, unindexed)', async () => {
    const docs = mixedDocs();
    const written = await writeExport(root, 'all-kinds', docs, {
      layout: 'all_kinds',
      entity: { app: 'dev~ls-test' },
      startMicros: 1_700_000_000_000_000n,
      endMicros: 1_700_000_000_500_000n,
    });
    const ours = await expectAllThreeAgree(
      written.dir,
      written.files.map((f) => join(written.dir, f.file)),
      docs,
    );
    expect(ours.facts).toMatchObject({
      name: 'all-kinds',
      startTime: '2023-11-14T22:13:20.000000Z',
      endTime: '2023-11-14T22:13:20.500000Z',
      kinds: [],
    });
    // Each document carries its file and the offset of its record's first header.
    const where = new Map(written.files[0]!.docs.map((d) => [d.path, d.offset]));
    for (const doc of ours.docs) {
      expect(doc.file).toBe(join(written.dir, written.files[0]!.file));
      expect(doc.offset).toBe(where.get(doc.path));
    }
  });

  it('reads the Cloud layout: kind_ folders, several outputs each, s~ app, indexed properties, numeric ids', async () => {
    const docs = [...mixedDocs(), ...smallDocs('second', 25)];
    const written = await writeExport(root, 'kinds', docs, {
      layout: 'kinds',
      outputs: 3,
      entity: { app: 's~ls-test', indexed: true, numericIds: true },
    });
    expect(written.files.length).toBeGreaterThan(9);
    const ours = await expectAllThreeAgree(
      written.dir,
      written.files.map((f) => join(written.dir, f.file)),
      docs,
    );
    expect(ours.facts?.kinds.sort()).toEqual(
      ['big', 'empty', 'pods', 'qualityReports', 'second', 'teams', 'types'].sort(),
    );
    const only = await readWithOurs(written.dir, { kinds: ['second', 'teams'] });
    expect(only.docs.map((d) => d.path).sort()).toEqual(
      [...smallDocs('second', 25).map((d) => d.path), 'teams/7'].sort(),
    );
  });

  it('finds the outputs without an overall_export_metadata, and from the metadata file itself', async () => {
    const docs = smallDocs('c', 10);
    const bare = await writeExport(root, 'bare', docs, {
      layout: 'kinds',
      overall: false,
      entity: APP,
    });
    expect(comparable((await readWithOurs(bare.dir)).docs)).toEqual(comparable(expectedDocs(docs)));
    const full = await writeExport(root, 'named', docs, { layout: 'all_kinds', entity: APP });
    const viaFile = await readWithOurs(join(full.dir, 'named.overall_export_metadata'));
    expect(comparable(viaFile.docs)).toEqual(comparable(expectedDocs(docs)));
  });

  it('handles records across blocks, the exact-7-bytes-left empty FIRST and the ≤6-byte trailer', async () => {
    const doc = (id: string): FsDocument => ({ path: `edge/${id}`, fields: { v: fs.int(1) } });
    const log = new LogWriter();
    const expected: FsDocument[] = [];
    const add = (d: FsDocument) => {
      log.add(encodeEntity(d, APP));
      expected.push(d);
    };
    // 7 bytes left: the writer emits an empty FIRST there and the record goes on in the next block.
    add(fillerDoc(BLOCK - 7 - 7, 'a'));
    add(doc('seven-left'));
    // 6 bytes left: the zero trailer, the next record starts at the next block.
    add(fillerDoc(BLOCK * 2 - log.size - 6 - 7, 'b'));
    add(doc('six-left'));
    // A record spanning three blocks: FIRST, MIDDLE, LAST.
    add({ path: 'edge/huge', fields: { s: 'y'.repeat(BLOCK * 2) } });
    add(doc('after'));
    const bytes = log.bytes();
    expect(bytes.readUInt16LE(BLOCK - 7 + 4)).toBe(0); // the empty FIRST fragment
    expect(bytes[BLOCK - 7 + 6]).toBe(2);
    expect(log.offsets[3]).toBe(BLOCK * 2); // after the 6-byte trailer
    const dir = join(root, 'edges');
    const file = join(dir, 'output-0');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(file, bytes);
    const ours = await expectAllThreeAgree(dir, [file], expected);
    expect(ours.docs.map((d) => d.offset)).toEqual(log.offsets);
  });
});

describe('managed-export reader: bad input is counted, located and skipped', () => {
  /** An output file of small documents plus the broken parts `build` adds. */
  async function brokenFile(name: string, build: (log: LogWriter) => void) {
    const log = new LogWriter();
    build(log);
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'output-0');
    await writeFile(file, log.bytes());
    return { dir, file, log };
  }
  const entity = (d: FsDocument) => encodeEntity(d, APP);

  it('crc_mismatch: reports the fragment, resyncs at the next block, and goes on', async () => {
    const docs = smallDocs('crc', 600); // several blocks
    const { dir, file, log } = await brokenFile('crc', (l) => {
      for (const d of docs) l.add(entity(d));
    });
    const body = await readFile(file);
    const victim = 10;
    body[log.offsets[victim]! + 7 + 3]! ^= 0xff;
    await writeFile(file, body);
    const ours = await readWithOurs(dir);
    expect(ours.bad).toHaveLength(1);
    const at = log.offsets[victim]!;
    expect(ours.bad[0]).toMatchObject({
      class: 'crc_mismatch',
      file,
      offset: at,
      skipped: { start: at, end: BLOCK },
    });
    expect(ours.bad[0]!.message).toContain(`skipped ${BLOCK - at} bytes [${at}, ${BLOCK})`);
    // Records in the victim's block after it are lost (LevelDB's resync); everything else is read.
    const read = new Set(ours.docs.map((d) => d.path));
    docs.forEach((d, i) => {
      const lost = i >= victim && log.offsets[i]! < BLOCK;
      expect(read.has(d.path), d.path).toBe(!lost);
    });
    const python = await readWithPython([file]);
    // It also warns about the victim record's continuation after the resync.
    expect(python.invalid).toBeGreaterThanOrEqual(1);
    expect(comparable(python.docs)).toEqual(comparable(ours.docs));
  });

  it('truncated: a file cut inside a fragmented record, and a FIRST followed by a FULL', async () => {
    const docs = smallDocs('cut', 5);
    const big = entity({ path: 'cut/big', fields: { s: 'z'.repeat(50_000) } });
    const cut = await brokenFile('cut', (l) => {
      for (const d of docs) l.add(entity(d));
      l.add(big);
    });
    await truncate(cut.file, cut.log.offsets[5]! + 40_000);
    const ours = await readWithOurs(cut.dir);
    expect(comparable(ours.docs)).toEqual(comparable(expectedDocs(docs)));
    expect(ours.bad.map((b) => [b.class, b.offset])).toEqual([['truncated', cut.log.offsets[5]]]);

    const at: number[] = [];
    const broken = await brokenFile('sequence', (l) => {
      l.add(entity(docs[0]!));
      at.push(l.size);
      l.fragment(2, entity(docs[1]!).subarray(0, 10)); // FIRST, never finished
      l.add(entity(docs[2]!));
      at.push(l.size);
      l.fragment(4, entity(docs[3]!).subarray(0, 10)); // LAST without FIRST
      l.add(entity(docs[4]!));
    });
    const seq = await readWithOurs(broken.dir);
    expect(seq.docs.map((d) => d.path)).toEqual([0, 2, 4].map((i) => docs[i]!.path));
    expect(seq.bad.map((b) => [b.class, b.offset])).toEqual([
      ['truncated', at[0]],
      ['truncated', at[1]],
    ]);
  });

  it('unknown_property_type and bad_entity: reported with the path when known, the rest read', async () => {
    const good = smallDocs('ok', 3);
    const userValue = Buffer.from([0x43, 0x4a, 0x01, 0x61, 0x44]); // group 8 {9: "a"}
    const { dir, file, log } = await brokenFile('types', (l) => {
      l.add(entity(good[0]!));
      l.add(
        entity({ path: 'odd/email', fields: { t: fs.raw(8, Buffer.from([0x1a, 0x01, 0x61])) } }),
      );
      l.add(entity({ path: 'odd/user', fields: { u: fs.raw(0, userValue) } }));
      l.add(entity(good[1]!));
      l.add(Buffer.from([0xff, 0xff, 0xff])); // not a protobuf
      l.add(entity({ path: 'x/y', fields: {} }).subarray(0, 5)); // cut inside the key
      l.add(entity(good[2]!));
    });
    const ours = await readWithOurs(dir);
    expect(comparable(ours.docs)).toEqual(comparable(expectedDocs(good)));
    expect(
      ours.bad.map((b) => ({ class: b.class, offset: b.offset, path: b.path, file: b.file })),
    ).toEqual([
      { class: 'unknown_property_type', offset: log.offsets[1], path: 'odd/email', file },
      { class: 'unknown_property_type', offset: log.offsets[2], path: 'odd/user', file },
      { class: 'bad_entity', offset: log.offsets[4], path: null, file },
      { class: 'bad_entity', offset: log.offsets[5], path: null, file },
    ]);
    expect(ours.bad.every((b) => b.raw !== null && b.message !== '')).toBe(true);
    const python = await readWithPython([file]);
    expect(python.records).toBe(7);
    expect(python.unknown).toBe(4);
    expect(comparable(python.docs)).toEqual(comparable(ours.docs));
  });

  it('reads TEXT as a string and BYTESTRING as bytes, indexed or not (Datastore-written)', async () => {
    const text = 'long – unindexed 東京 '.repeat(100);
    const textValue = new ProtoWriter().bytes(3, text).done();
    const bytes = Buffer.from([0, 1, 254, 255]);
    const bytesValue = new ProtoWriter().bytes(3, bytes).done();
    const doc = (id: string) => ({
      path: `legacy/${id}`,
      fields: { t: fs.raw(15, textValue), b: fs.raw(16, bytesValue) },
    });
    const { dir } = await brokenFile('legacy', (l) => {
      l.add(encodeEntity(doc('unindexed'), APP));
      l.add(encodeEntity(doc('indexed'), { ...APP, indexed: true }));
    });
    const ours = await readWithOurs(dir);
    expect(ours.bad).toEqual([]);
    const fields = { t: text, b: bytes.toString('base64') };
    expect(ours.docs.map((d) => ({ path: d.path, fields: d.fields }))).toEqual([
      { path: 'legacy/unindexed', fields },
      { path: 'legacy/indexed', fields },
    ]);
  });

  it('stops when its signal aborts', async () => {
    const written = await writeExport(root, 'abort', smallDocs('ab', 50), {
      layout: 'all_kinds',
      entity: APP,
    });
    const controller = new AbortController();
    let n = 0;
    const reading = (async () => {
      for await (const _ of readManagedExport(written.dir, {
        onBadRecord: () => {},
        signal: controller.signal,
      })) {
        if (++n === 5) controller.abort(new Error('stop'));
      }
    })();
    await expect(reading).rejects.toThrow('stop');
    expect(n).toBe(5);
  });
});
