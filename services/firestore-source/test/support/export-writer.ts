/**
 * Test-only writer of managed exports: the LevelDB log format (32 KiB blocks, FULL/FIRST/MIDDLE/
 * LAST fragments, masked CRC32C, zero trailers, the empty FIRST fragment when exactly 7 bytes are
 * left) and both folder layouts, with the metadata files the emulator writes. Independent of the
 * reader under test except for the CRC function, which the Python reader cross-checks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c, maskCrc } from '../../src/managed-export/crc32c.js';
import { type EntityOptions, encodeEntity, type FsDocument, ProtoWriter } from './export-entity.js';

const BLOCK = 32 * 1024;
const HEADER = 7;

/** A LevelDB log being written in memory; `offsets` are where each record's first header is. */
export class LogWriter {
  private parts: Buffer[] = [];
  private length = 0;
  readonly offsets: number[] = [];

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  private push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }

  /** Appends one raw fragment (no block accounting: for deliberately broken files). */
  fragment(type: number, data: Buffer): void {
    const header = Buffer.alloc(HEADER);
    const crc = crc32c(data, crc32c(Buffer.from([type])));
    header.writeUInt32LE(maskCrc(crc), 0);
    header.writeUInt16LE(data.length, 4);
    header[6] = type;
    this.push(header);
    this.push(data);
  }

  /** Appends one record, fragmented across blocks as LevelDB's log::Writer does. */
  add(data: Buffer): this {
    let pos = 0;
    let begin = true;
    for (;;) {
      const left = BLOCK - (this.length % BLOCK);
      if (left < HEADER) {
        this.push(Buffer.alloc(left)); // the block trailer: zeros
        continue;
      }
      const avail = left - HEADER;
      const n = Math.min(avail, data.length - pos);
      const end = pos + n === data.length;
      const type = begin && end ? 1 : begin ? 2 : end ? 4 : 3;
      if (begin) this.offsets.push(this.length);
      this.fragment(type, data.subarray(pos, pos + n));
      pos += n;
      begin = false;
      if (end) break;
    }
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Options of `writeExport`. */
export interface WriteExportOptions {
  /** `all_kinds` as the emulator writes, or `kind_<collection>` folders as Cloud does. */
  layout: 'all_kinds' | 'kinds';
  /** Output files per folder (documents dealt round-robin); default 1. */
  outputs?: number;
  /** Write `NAME.overall_export_metadata` (default true). */
  overall?: boolean;
  /** Export start and end (µs since the epoch). */
  startMicros?: bigint;
  endMicros?: bigint;
  /** How each document's entity is written (app, indexed, numeric ids). */
  entity: EntityOptions;
}

/** What `writeExport` wrote. */
export interface WrittenExport {
  dir: string;
  /** Output files, relative to `dir`, with the offset of each document's record. */
  files: Array<{ file: string; docs: Array<{ path: string; offset: number }> }>;
}

function collectionOf(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 2]!;
}

/** The `export_metadata` of one folder: `1: {1 name, 2 start, 3 end}`, `2: {1 "", 2 file}`… */
export function kindMetadata(name: string, start: bigint, end: bigint, files: string[]): Buffer {
  const w = new ProtoWriter();
  w.bytes(1, new ProtoWriter().bytes(1, name).uint(2, start).uint(3, end).done());
  for (const file of files) w.bytes(2, new ProtoWriter().bytes(1, '').bytes(2, file).done());
  return w.done();
}

/**
 * The `NAME.overall_export_metadata` log: a version record (0x33), then one entry per kind
 * `{1: {1: 2, 3: 3}, 2: kind metadata path, 3: entities, 4: bytes}`, as the emulator writes it.
 */
export function overallMetadata(
  kinds: Array<{ metadataKey: string; count: number; bytes: number }>,
): Buffer {
  const list = new ProtoWriter();
  for (const kind of kinds) {
    list.bytes(
      1,
      new ProtoWriter()
        .bytes(1, new ProtoWriter().uint(1, 2).uint(3, 3).done())
        .bytes(2, kind.metadataKey)
        .uint(3, kind.count)
        .uint(4, kind.bytes)
        .done(),
    );
  }
  return new LogWriter()
    .add(Buffer.from([0x33]))
    .add(list.done())
    .bytes();
}

/** Writes `docs` as the managed export `dir/NAME`; returns where each document went. */
export async function writeExport(
  root: string,
  name: string,
  docs: FsDocument[],
  options: WriteExportOptions,
): Promise<WrittenExport> {
  const dir = join(root, name);
  const start = options.startMicros ?? 1_700_000_000_000_000n;
  const end = options.endMicros ?? start + 1_000n;
  const groups = new Map<string, FsDocument[]>();
  for (const doc of docs) {
    const folder = options.layout === 'all_kinds' ? 'all_kinds' : `kind_${collectionOf(doc.path)}`;
    groups.set(folder, [...(groups.get(folder) ?? []), doc]);
  }
  const written: WrittenExport = { dir, files: [] };
  const kinds: Parameters<typeof overallMetadata>[0] = [];
  for (const [folder, group] of groups) {
    const outputs = Array.from({ length: options.outputs ?? 1 }, () => new LogWriter());
    const placed = outputs.map(() => [] as Array<{ path: string; offset: number }>);
    group.forEach((doc, i) => {
      const log = outputs[i % outputs.length]!;
      log.add(encodeEntity(doc, options.entity));
      placed[i % outputs.length]!.push({ path: doc.path, offset: log.offsets.at(-1)! });
    });
    const base = `all_namespaces/${folder}`;
    await mkdir(join(dir, base), { recursive: true });
    const names = outputs.map((_, i) => `output-${i}`);
    for (const [i, log] of outputs.entries()) {
      await writeFile(join(dir, base, names[i]!), log.bytes());
      written.files.push({ file: `${base}/${names[i]}`, docs: placed[i]! });
    }
    const metaName = `${base}/all_namespaces_${folder}.export_metadata`;
    await writeFile(join(dir, metaName), kindMetadata(name, start, end, names));
    const bytes = outputs.reduce((n, l) => n + l.size, 0);
    kinds.push({ metadataKey: metaName, count: group.length, bytes });
  }
  if (options.overall ?? true) {
    await writeFile(join(dir, `${name}.overall_export_metadata`), overallMetadata(kinds));
  }
  return written;
}
