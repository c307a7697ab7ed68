import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable, TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { JsonStatError } from './errors.js';

/** Bytes read at a time unless asked otherwise. */
export const CHUNK_BYTES = 1 << 20;
const EMPTY = Buffer.alloc(0);

/** True when the file starts with the gzip magic bytes (Eurostat answers are saved either way). */
export async function isGzipFile(file: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (err) {
    throw new JsonStatError(
      'LS_JSONSTAT_READ_FAILED',
      'cannot open the answer',
      { file },
      { cause: err },
    );
  } finally {
    await handle?.close();
  }
}

/**
 * The JSON text of a file as a window of bytes that the parsers read synchronously and widen
 * with `fill()` when a token runs past its end: awaits happen once per chunk, never per token.
 * Offsets are in the JSON text, after gunzip.
 */
export class ByteSource {
  /** The bytes in hand; `buf[pos]` is the next unread byte. */
  buf: Buffer = EMPTY;
  pos = 0;
  /** Offset in the text of `buf[0]`. */
  base: number;
  /** True once the last chunk is in `buf`. */
  eof = false;
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly streams: Readable[];

  private constructor(
    readonly file: string,
    streams: Readable[],
    start: number,
  ) {
    this.streams = streams;
    this.base = start;
    const last = streams[streams.length - 1] as Readable;
    this.chunks = last[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /**
   * Opens the text of `file` (gunzipped when it is gzip) at byte `start` of the text: a plain
   * file is read from there; a gzip stream has no index, so its text before `start` is skipped.
   */
  static async open(file: string, start = 0, chunkBytes = CHUNK_BYTES): Promise<ByteSource> {
    const gzip = await isGzipFile(file);
    const raw = createReadStream(file, {
      highWaterMark: chunkBytes,
      start: gzip ? 0 : start,
    });
    const streams: Readable[] = [raw];
    if (gzip) {
      // A few chunks of read-ahead: gunzip runs on the thread pool while the parser works.
      const options: ZlibOptions & TransformOptions = {
        chunkSize: Math.max(chunkBytes, 64),
        readableHighWaterMark: 4 * chunkBytes,
      };
      const gunzip = createGunzip(options);
      raw.on('error', (err) => gunzip.destroy(err));
      raw.pipe(gunzip);
      streams.push(gunzip);
    }
    const source = new ByteSource(file, streams, gzip ? 0 : start);
    if (gzip) await source.skipTo(start);
    return source;
  }

  /** The text offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Adds the next chunk after the unread bytes; false at the end of the text. */
  async fill(): Promise<boolean> {
    if (this.eof) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await this.chunks.next();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'Z_BUF_ERROR') {
        throw new JsonStatError(
          'LS_JSONSTAT_TRUNCATED',
          'the gzip stream ends before its end marker',
          { file: this.file, offset: this.base + this.buf.length },
          { cause: err },
        );
      }
      throw new JsonStatError(
        'LS_JSONSTAT_READ_FAILED',
        `cannot read the answer: ${(err as Error).message}`,
        { file: this.file, offset: this.base + this.buf.length },
        { cause: err },
      );
    }
    if (next.done) {
      this.eof = true;
      return false;
    }
    const rest = this.buf.length - this.pos;
    if (rest === 0) {
      this.base += this.buf.length;
      this.buf = next.value;
    } else {
      this.base += this.pos;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), next.value]);
    }
    this.pos = 0;
    return true;
  }

  private async skipTo(start: number): Promise<void> {
    while (this.base + this.buf.length <= start) {
      this.base += this.buf.length;
      this.buf = EMPTY;
      if (!(await this.fill())) return;
    }
    this.pos = start - this.base;
  }

  /** Stops reading; safe to call more than once. */
  close(): void {
    for (const stream of this.streams) stream.destroy();
  }
}
