/**
 * The cells files a load saves for DuckDB, one per slice of time periods (see silver-parquet.ts),
 * each opened on its first line: a slice no cell falls in leaves no file, and a long daily series
 * opens only the slices it writes. A file's error (the disk full, too many open files) is kept and
 * thrown by the next write or by `close`, so it fails the load as an error instead of escaping as
 * an unhandled stream event.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

export class SliceFiles {
  private readonly streams: (WriteStream | undefined)[];
  private failure: Error | undefined;

  constructor(private readonly paths: readonly string[]) {
    this.streams = new Array(paths.length).fill(undefined);
  }

  /** Appends `chunk` to slice `slice`'s file, waiting while the file is behind. */
  async write(slice: number, chunk: Buffer): Promise<void> {
    const stream = this.open(slice);
    if (this.failure) throw this.failure;
    if (!stream.write(chunk)) await once(stream, 'drain');
  }

  /** Opens slice `slice`'s file (empty until written). */
  open(slice: number): WriteStream {
    let stream = this.streams[slice];
    if (stream === undefined) {
      const path = this.paths[slice];
      if (path === undefined) throw new RangeError(`no slice ${slice} of ${this.paths.length}`);
      stream = createWriteStream(path);
      stream.on('error', (err) => {
        this.failure ??= err;
      });
      this.streams[slice] = stream;
    }
    return stream;
  }

  /** The files opened, in slice order. */
  opened(): string[] {
    return this.paths.filter((_, i) => this.streams[i] !== undefined);
  }

  /** Ends every file; throws the first error any of them had. */
  async close(): Promise<void> {
    await Promise.all(
      this.streams.map(async (stream) => {
        if (stream === undefined) return;
        stream.end();
        await finished(stream).catch(() => {});
      }),
    );
    if (this.failure) throw this.failure;
  }
}
