import { createGzip, type Gzip } from 'node:zlib';
import type { EncodedLine } from './record-line.js';

/** When a buffer must be closed into an object. */
export interface RotationLimits {
  /** Most records in one object. */
  maxRecords: number;
  /** Most uncompressed JSON-lines bytes in one object (the compressed size is not known ahead). */
  maxBytes: number;
}

/** A closed buffer: one object's bytes and what its manifest says of them. */
export interface SealedObject {
  /** The gzip body. */
  body: Buffer;
  firstOffset: number;
  lastOffset: number;
  recordCount: number;
  uncompressedBytes: number;
  /** Timestamp of the first record: it decides the object's hour partition. */
  firstTimestampMs: number;
  minTimestampMs: number;
  maxTimestampMs: number;
}

// Lines are copied into chunks of this size, each handed to zlib in one write: one stream write
// per line would cost more in stream bookkeeping than the compression itself.
const CHUNK_BYTES = 1024 * 1024;
const LINE_END = Buffer.from('}\n');

/**
 * The records of one partition on their way to one object, compressed as they arrive. zlib runs
 * on libuv's thread pool, so compression overlaps with fetching and encoding the next records.
 */
export class ObjectBuffer {
  readonly firstOffset: number;
  readonly firstTimestampMs: number;
  /** Hour (since the epoch) of the first record; every record of the object has the same. */
  readonly hour: number;
  /** Wall-clock time the buffer was opened and last appended to (for idle and age flushes). */
  readonly openedAt: number;
  lastAppendAt: number;
  lastOffset: number;
  recordCount = 0;
  uncompressedBytes = 0;
  minTimestampMs: number;
  maxTimestampMs: number;

  private readonly gzip: Gzip;
  private readonly output: Buffer[] = [];
  private readonly done: Promise<void>;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  constructor(first: EncodedLine, hour: number, gzipLevel: number, now = Date.now()) {
    this.firstOffset = first.offset;
    this.lastOffset = first.offset;
    this.firstTimestampMs = first.timestampMs;
    this.minTimestampMs = first.timestampMs;
    this.maxTimestampMs = first.timestampMs;
    this.hour = hour;
    this.openedAt = now;
    this.lastAppendAt = now;
    // A large output buffer: fewer round trips between zlib's thread and this one.
    this.gzip = createGzip({ level: gzipLevel, chunkSize: 256 * 1024 });
    this.gzip.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.done = new Promise((resolve, reject) => {
      this.gzip.once('end', resolve);
      this.gzip.once('error', reject);
    });
    // Keep an early zlib error from being unhandled; `seal` reports it.
    this.done.catch(() => {});
    this.append(first, now);
  }

  /** Whether adding a line of `bytes` would break a limit (a buffer always takes its first line). */
  wouldExceed(bytes: number, limits: RotationLimits): boolean {
    return (
      this.recordCount + 1 > limits.maxRecords || this.uncompressedBytes + bytes > limits.maxBytes
    );
  }

  /** Whether the buffer has reached a limit and should be closed without waiting for a next record. */
  isFull(limits: RotationLimits): boolean {
    return this.recordCount >= limits.maxRecords || this.uncompressedBytes >= limits.maxBytes;
  }

  /** Adds one encoded record. */
  append(encoded: EncodedLine, now = Date.now()): void {
    if (this.recordCount > 0) {
      this.lastOffset = encoded.offset;
      if (encoded.timestampMs < this.minTimestampMs) this.minTimestampMs = encoded.timestampMs;
      if (encoded.timestampMs > this.maxTimestampMs) this.maxTimestampMs = encoded.timestampMs;
    }
    this.recordCount++;
    this.uncompressedBytes += encoded.bytes;
    this.lastAppendAt = now;
    if (this.used + encoded.bytes > this.chunk.length) {
      this.writeChunk();
      if (encoded.bytes > this.chunk.length) {
        // A line larger than a chunk goes to zlib in its own writes.
        this.gzip.write(encoded.head);
        this.gzip.write(encoded.body);
        this.gzip.write(LINE_END);
        return;
      }
    }
    const chunk = this.chunk;
    this.used += chunk.write(encoded.head, this.used);
    const { body } = encoded;
    this.used +=
      typeof body === 'string' ? chunk.write(body, this.used) : body.copy(chunk, this.used);
    chunk[this.used++] = 0x7d; // }
    chunk[this.used++] = 0x0a; // \n
  }

  /** Hands the filled part of the chunk to zlib (which keeps it) and starts a new one. */
  private writeChunk(): void {
    if (this.used === 0) return;
    this.gzip.write(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  /** Closes the buffer: finishes the gzip stream and returns the object. Call once. */
  async seal(): Promise<SealedObject> {
    this.writeChunk();
    this.gzip.end();
    await this.done;
    return {
      body: Buffer.concat(this.output),
      firstOffset: this.firstOffset,
      lastOffset: this.lastOffset,
      recordCount: this.recordCount,
      uncompressedBytes: this.uncompressedBytes,
      firstTimestampMs: this.firstTimestampMs,
      minTimestampMs: this.minTimestampMs,
      maxTimestampMs: this.maxTimestampMs,
    };
  }

  /** Drops the buffer without producing an object (revoked partition, failed flush). */
  discard(): void {
    this.gzip.destroy();
    this.used = 0;
    this.output.length = 0;
  }
}
