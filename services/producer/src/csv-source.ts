/**
 * The CSV implementation of `EventSource`: streams a DataCo order-item CSV (a file or stdin)
 * through csv-parse, checks the header, validates every row with the schema package, and yields
 * events (keyed by `Order Id`) and rejections (with the row's raw bytes and every reason).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { checkHeader, ORDER_ITEM_HEADERS, parseOrderItemRow } from '@lakestream/schema';
import { ByteWindow } from './byte-window.js';
import { CsvParseFramer } from './csv-parse-framer.js';
import { ProducerError } from './errors.js';
import type {
  EventSource,
  RowProblem,
  SourceItem,
  SourceProgress,
  SourceRejection,
} from './event-source.js';
import {
  FastCsvFramer,
  type FramedRecord,
  type FramerSink,
  type RecordFramer,
} from './fast-csv-framer.js';

/** Encodings the producer can read. latin-1 is the DataCo file's. */
export const CSV_ENCODINGS = ['latin1', 'utf8'] as const;
/** One of `CSV_ENCODINGS`. */
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

const ENCODING_ALIASES: Readonly<Record<string, CsvEncoding>> = {
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  iso88591: 'latin1',
  binary: 'latin1',
  utf8: 'utf8',
  'utf-8': 'utf8',
};

/** CSV parsers: the fast framer (default) or csv-parse (the reference, slower). */
export const CSV_PARSERS = ['fast', 'csv-parse'] as const;
/** One of `CSV_PARSERS`. */
export type CsvParser = (typeof CSV_PARSERS)[number];

/** The encoding named by `text` (case-insensitive, common aliases), or undefined. */
export function parseEncoding(text: string): CsvEncoding | undefined {
  return ENCODING_ALIASES[text.trim().toLowerCase()];
}

/** Options of a `CsvSource`. */
export interface CsvSourceOptions {
  /** A file path, or `-` for standard input. */
  readonly input: string;
  /** How to decode bytes. latin-1 decodes every byte (ISO-8859-1, as Node's `latin1`). */
  readonly encoding: CsvEncoding;
  /** Which CSV parser frames the records; default `fast`. */
  readonly parser?: CsvParser;
  /** A row longer than this many bytes goes to the dead-letter topic unparsed. */
  readonly maxRecordBytes: number;
  /**
   * A record still open after this many bytes stops the run (an unclosed quote would otherwise
   * read the rest of the input into memory). Default: the larger of 64 MiB and 4 × maxRecordBytes.
   */
  readonly hardLimitBytes?: number;
  /** At most this many bytes of a rejected row are kept in its dead-letter record. */
  readonly maxRawBytes: number;
  /** Also compute each event's time (the order date) for event-time replay. */
  readonly withEventTime?: boolean;
  /** The stream read for `-`; default `process.stdin`. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Read size for files; default 256 KiB. */
  readonly chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 256 * 1024;
const MIN_HARD_LIMIT = 64 * 1024 * 1024;
/** A CSV file (or stdin) as a source of order-item events. */
export class CsvSource implements EventSource {
  readonly name: string;
  private bytesRead = 0;
  private totalBytes: number | undefined;
  private row = 0;

  constructor(private readonly options: CsvSourceOptions) {
    this.name = options.input;
  }

  get rowsRead(): number {
    return this.row;
  }

  progress(): SourceProgress {
    return { bytesRead: this.bytesRead, totalBytes: this.totalBytes };
  }

  private openStream(): NodeJS.ReadableStream {
    if (this.options.input === '-') return this.options.stdin ?? process.stdin;
    return createReadStream(this.options.input, {
      highWaterMark: this.options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    });
  }

  private async statInput(): Promise<void> {
    if (this.options.input === '-') return;
    try {
      const info = await stat(this.options.input);
      if (!info.isFile()) throw new Error('not a regular file');
      this.totalBytes = info.size;
    } catch (err) {
      throw new ProducerError(
        'LS_PRODUCER_INPUT_UNREADABLE',
        `${this.options.input}: cannot read (${(err as Error).message})`,
        { cause: err },
      );
    }
  }

  /**
   * Reads only as far as the header line and checks it, so every input can be checked before
   * anything is produced. Not for stdin (it cannot be read twice).
   */
  async checkHeader(): Promise<void> {
    await this.statInput();
    let header: string[] | undefined;
    const window = new ByteWindow();
    const framer = this.createFramer(window, {
      record: ({ fields }) => {
        header ??= fields;
      },
      syntaxError: () => {},
    });
    const stream = this.openStream() as NodeJS.ReadableStream & { destroy?: () => void };
    let bytes = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        window.append(chunk);
        framer.push(chunk);
        if (header !== undefined) break;
        window.discardBefore(framer.pendingFrom);
      }
      if (header === undefined) await framer.end();
    } catch (err) {
      if (err instanceof ProducerError) throw err;
      throw new ProducerError(
        'LS_PRODUCER_INPUT_UNREADABLE',
        `${this.name}: cannot read (${(err as Error).message})`,
        { cause: err },
      );
    } finally {
      stream.destroy?.();
      framer.destroy();
    }
    this.assertHeader(header, bytes);
  }

  private createFramer(window: ByteWindow, sink: FramerSink): RecordFramer {
    return this.options.parser === 'csv-parse'
      ? new CsvParseFramer(this.options.encoding, sink, (start, end) => window.slice(start, end))
      : new FastCsvFramer(this.options.encoding, sink);
  }

  private assertHeader(header: string[] | undefined, bytes: number): void {
    if (header === undefined) {
      if (bytes === 0) {
        throw new ProducerError(
          'LS_PRODUCER_INPUT_EMPTY',
          `${this.name}: the input is empty (0 bytes): expected at least the header line of the ${ORDER_ITEM_HEADERS.length} DataCo columns`,
        );
      }
      throw new ProducerError('LS_PRODUCER_BAD_HEADER', `${this.name}: no complete header line`);
    }
    const check = checkHeader(header);
    if (!check.ok) {
      throw new ProducerError(
        'LS_PRODUCER_BAD_HEADER',
        `${this.name}: the header is not the ${ORDER_ITEM_HEADERS.length} DataCo columns:\n  ${check.messages.join('\n  ')}`,
        {
          details: {
            missing: check.missing,
            unexpected: check.unexpected,
            duplicated: check.duplicated,
            outOfOrder: check.outOfOrder,
          },
        },
      );
    }
  }

  async *items({
    signal,
    skipThroughRow = 0,
  }: {
    signal?: AbortSignal;
    skipThroughRow?: number;
  } = {}): AsyncGenerator<readonly SourceItem[]> {
    await this.statInput();
    const { encoding, maxRecordBytes, maxRawBytes } = this.options;
    const hardLimit = this.options.hardLimitBytes ?? Math.max(MIN_HARD_LIMIT, 4 * maxRecordBytes);
    const file = this.name;
    const window = new ByteWindow();
    let header: string[] | undefined;
    let headerChecked = false;
    let effectiveEncoding: BufferEncoding = encoding;
    let pending: SourceItem[] = [];
    // One clock read per chunk rather than per row.
    const context = { file, row: 0, ingestedAt: new Date().toISOString() };

    const rawText = (start: number, end: number): string => {
      const bytes = window.slice(start, end, maxRawBytes);
      return bytes.toString(effectiveEncoding).replace(/^[\r\n]+|\r?\n$/g, '');
    };
    const reject = (start: number, end: number, problems: RowProblem[]): SourceRejection => ({
      kind: 'rejection',
      position: { file, row: this.row },
      problems,
      raw: rawText(start, end),
      rawBytes: end - start,
      rawTruncated: end - start > maxRawBytes,
    });

    const onRecord = ({ fields, start, end, undecodable }: FramedRecord): void => {
      if (header === undefined) {
        header = fields;
        // A byte-order mark may have switched the decoding to UTF-8.
        effectiveEncoding = framer.encoding;
        return;
      }
      const row = ++this.row;
      if (row <= skipThroughRow) return;
      if (end - start > maxRecordBytes) {
        pending.push(
          reject(start, end, [
            {
              code: 'LS_PRODUCER_RECORD_TOO_LARGE',
              column: null,
              row,
              value: null,
              message: `record too large: ${end - start} bytes, the limit is ${maxRecordBytes}`,
            },
          ]),
        );
        return;
      }
      context.row = row;
      const result = parseOrderItemRow(fields, context);
      if (result.ok && undecodable.length === 0) {
        const event = result.event;
        pending.push({
          kind: 'event',
          key: String(event.order_id),
          value: JSON.stringify(event),
          position: event.source,
          ...(this.options.withEventTime ? { eventTime: Date.parse(event.order_date) } : {}),
        });
        return;
      }
      const problems: RowProblem[] = undecodable.map((i) => ({
        code: 'LS_PRODUCER_UNDECODABLE',
        column: ORDER_ITEM_HEADERS[i] ?? `field ${i + 1}`,
        row,
        value: fields[i]!,
        message: `bytes that are not valid ${framer.encoding === 'utf8' ? 'UTF-8' : framer.encoding} (written in another encoding? try --encoding latin1)`,
      }));
      if (!result.ok) problems.push(...result.problems);
      pending.push(reject(start, end, problems));
    };

    const onSyntaxError = (start: number, end: number, message: string): void => {
      if (header === undefined) return;
      const row = ++this.row;
      if (row <= skipThroughRow) return;
      pending.push(
        reject(start, end, [
          { code: 'LS_PRODUCER_CSV_SYNTAX', column: null, row, value: null, message },
        ]),
      );
    };

    const framer = this.createFramer(window, { record: onRecord, syntaxError: onSyntaxError });
    const stream = this.openStream() as NodeJS.ReadableStream & { destroy?: () => void };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        this.bytesRead += chunk.length;
        window.append(chunk);
        context.ingestedAt = new Date().toISOString();
        framer.push(chunk);
        // Before anything of this input is yielded: a bad header means nothing is produced.
        if (!headerChecked && header !== undefined) {
          this.assertHeader(header, this.bytesRead);
          headerChecked = true;
        }
        window.discardBefore(framer.pendingFrom);
        if (pending.length > 0) {
          const out = pending;
          pending = [];
          yield out;
        }
        if (window.length - framer.pendingFrom > hardLimit) {
          throw new ProducerError(
            'LS_PRODUCER_RECORD_UNBOUNDED',
            `${file}: row ${this.row + 1} (from byte ${framer.pendingFrom}) is still open after ${hardLimit} bytes – an unclosed quote? Rows before it were produced; fix the file and rerun with --resume`,
          );
        }
        if (signal?.aborted) return;
      }
      await framer.end();
      if (!headerChecked) this.assertHeader(header, this.bytesRead);
      if (pending.length > 0) yield pending;
    } catch (err) {
      if (err instanceof ProducerError) throw err;
      throw new ProducerError(
        'LS_PRODUCER_INPUT_UNREADABLE',
        `${file}: cannot read (${(err as Error).message})`,
        { cause: err },
      );
    } finally {
      stream.destroy?.();
      framer.destroy();
    }
  }
}
