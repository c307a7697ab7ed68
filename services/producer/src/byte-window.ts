/**
 * The input bytes not yet consumed by a complete record, kept so a rejected row can be sent to the
 * dead-letter topic exactly as it was in the file. Cheaper than csv-parse's `raw` option, which
 * copies and decodes every record's bytes although only rejected rows need them.
 */
export class ByteWindow {
  private chunks: { start: number; bytes: Buffer }[] = [];
  private end = 0;

  /** Bytes appended so far: the absolute offset of the end of the window. */
  get length(): number {
    return this.end;
  }

  /** Appends the next bytes of the input. */
  append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.chunks.push({ start: this.end, bytes });
    this.end += bytes.length;
  }

  /** Forgets every chunk that ends at or before `offset`. */
  discardBefore(offset: number): void {
    let drop = 0;
    while (drop < this.chunks.length) {
      const chunk = this.chunks[drop]!;
      if (chunk.start + chunk.bytes.length > offset) break;
      drop++;
    }
    if (drop > 0) this.chunks.splice(0, drop);
  }

  /**
   * The bytes in [start, end), absolute offsets; at most `limit` of them (from `start`). Bytes
   * already discarded are simply missing from the result.
   */
  slice(start: number, end: number, limit = Number.POSITIVE_INFINITY): Buffer {
    const stop = Math.min(end, start + limit);
    const parts: Buffer[] = [];
    for (const { start: at, bytes } of this.chunks) {
      const chunkEnd = at + bytes.length;
      if (chunkEnd <= start) continue;
      if (at >= stop) break;
      parts.push(bytes.subarray(Math.max(0, start - at), Math.min(bytes.length, stop - at)));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
