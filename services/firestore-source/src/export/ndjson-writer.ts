/**
 * A gzip JSON-lines object built as rows arrive: each line is compressed at once, so what is held
 * is the compressed object, never the documents. The object store takes a whole buffer per put;
 * gzip of these rows is several times smaller than the rows.
 */
import { createGzip, type Gzip } from 'node:zlib';

/** The finished object and its sizes. */
export interface NdjsonObject {
  body: Buffer;
  records: number;
  uncompressedBytes: number;
}

/** Writes JSON lines through gzip, honouring backpressure. */
export class GzipNdjsonWriter {
  private readonly gzip: Gzip = createGzip({ level: 6 });
  private readonly chunks: Buffer[] = [];
  private readonly ended: Promise<void>;
  private records = 0;
  private uncompressed = 0;

  constructor() {
    this.gzip.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.ended = new Promise((resolve, reject) => {
      this.gzip.once('end', resolve);
      this.gzip.once('error', reject);
    });
  }

  /** Appends one line (the newline is added). */
  async write(line: string): Promise<void> {
    const bytes = Buffer.from(`${line}\n`);
    this.records++;
    this.uncompressed += bytes.length;
    if (!this.gzip.write(bytes)) {
      await new Promise<void>((resolve) => this.gzip.once('drain', resolve));
    }
  }

  /** Ends the stream and returns the object. */
  async finish(): Promise<NdjsonObject> {
    this.gzip.end();
    await this.ended;
    return {
      body: Buffer.concat(this.chunks),
      records: this.records,
      uncompressedBytes: this.uncompressed,
    };
  }
}
