/**
 * Writing generated rows as a DataCo CSV file: header first, LF line ends, latin-1 bytes (the real
 * file's encoding, so the producer's decoding is exercised), in large chunks so a full-size file
 * takes seconds, not minutes.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { ORDER_ITEM_HEADERS } from '@lakestream/schema';
import { encodeCsvLine } from './csv-line.js';
import {
  type GenerateOptions,
  type GenerationSummary,
  generateOrderItems,
} from './generate-order-items.js';

/** Options for producing CSV bytes. */
export interface CsvChunkOptions extends GenerateOptions {
  /** Approximate size of each chunk in bytes; default 1 MiB. */
  readonly chunkBytes?: number;
}

/** What a CSV run produced. */
export interface CsvSummary extends GenerationSummary {
  /** Bytes of CSV, header included. */
  readonly bytes: number;
}

/** Options of `writeCsv`. */
export interface WriteCsvOptions extends CsvChunkOptions {
  /** Path of the file to create or overwrite. */
  readonly out: string;
}

const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Generates the whole CSV file as latin-1 chunks (header line first). Each chunk ends on a line
 * boundary; concatenated, they are the file. The return value summarises the run.
 */
export function* generateCsvChunks(
  options: CsvChunkOptions,
): Generator<Buffer, CsvSummary, undefined> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const rows = generateOrderItems(options);
  // Lines are collected and joined once per chunk: one flat string to encode, rather than a
  // megabyte-long rope of small concatenations. latin-1 is one byte per character, so string
  // length is byte length.
  let lines: string[] = [encodeCsvLine(ORDER_ITEM_HEADERS)];
  let pending = lines[0]!.length;
  let bytes = 0;
  for (;;) {
    const next = rows.next();
    if (next.done) {
      if (pending > 0) {
        bytes += pending;
        yield Buffer.from(lines.join(''), 'latin1');
      }
      return { ...next.value, bytes };
    }
    const line = encodeCsvLine(next.value);
    lines.push(line);
    pending += line.length;
    if (pending >= chunkBytes) {
      bytes += pending;
      yield Buffer.from(lines.join(''), 'latin1');
      lines = [];
      pending = 0;
    }
  }
}

/**
 * Writes a DataCo-shaped CSV file of `rows` order items from `seed` to `out`. The same options
 * always write the same bytes.
 */
export async function writeCsv(options: WriteCsvOptions): Promise<CsvSummary> {
  const file = await open(options.out, 'w');
  const chunks = generateCsvChunks(options);
  // Generate the next chunk while the previous one is being written.
  let writing: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const next = chunks.next();
      await writing;
      if (next.done) return next.value;
      writing = writeAll(file, next.value);
    }
  } finally {
    // Never close under a write still in flight; its error, if any, was already thrown above
    // unless generating failed first, and then that error is the one to report.
    await writing.catch(() => {});
    await file.close();
  }
}

/** Writes the whole buffer: a single write() may legally write less. */
async function writeAll(file: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await file.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}
