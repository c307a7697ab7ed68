/**
 * The csv-parse implementation of `RecordFramer`: the reference the fast framer is tested
 * against, selectable with `--parser csv-parse`. About 10 MB/s here, against several times that
 * for the fast framer, because it inspects every byte in JavaScript.
 */
import { type CsvError, Parser } from 'csv-parse';
import type { FramerSink, RecordFramer } from './fast-csv-framer.js';

const REPLACEMENT_CHARACTER = '\uFFFD';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** csv-parse with the producer's settings, feeding a `FramerSink`. */
export class CsvParseFramer implements RecordFramer {
  private readonly parser: Parser;
  private recordStart = 0;
  private fed = 0;

  constructor(
    encoding: 'latin1' | 'utf8',
    sink: FramerSink,
    /** The input bytes [start, end), to tell undecodable bytes from a real U+FFFD. */
    bytes: (start: number, end: number) => Buffer,
  ) {
    this.parser = new Parser({
      encoding,
      // A UTF-8 byte-order mark is dropped (and switches decoding to UTF-8).
      bom: true,
      // A short or long row is a bad row for the dead-letter topic, not a reason to stop.
      relax_column_count: true,
      // A stray quote inside a field is kept as text; the schema then judges the value.
      relax_quotes: true,
      skip_empty_lines: true,
      // The one error left (a quote still open at the end of the input) becomes a bad row.
      skip_records_with_error: true,
      // Records are taken synchronously through on_record (never pushed to the stream) so that
      // records and skipped records arrive in input order.
      on_record: (fields: string[], info) => {
        // `info.bytes` is the offset after the record (typed as the narrower CastingContext).
        const end = (info as unknown as { bytes: number }).bytes;
        const start = this.recordStart;
        this.recordStart = end;
        sink.record({
          fields,
          start,
          end,
          undecodable: this.undecodable(fields, start, end, bytes),
        });
        return undefined;
      },
      on_skip: (err: CsvError | undefined) => {
        // Only reachable at the end of the input with these settings: the record runs to it.
        const start = this.recordStart;
        this.recordStart = this.fed;
        sink.syntaxError(start, this.fed, err?.message ?? 'CSV syntax error');
      },
    });
  }

  get encoding(): 'latin1' | 'utf8' {
    return (this.parser.options as { encoding: 'latin1' | 'utf8' }).encoding;
  }

  get pendingFrom(): number {
    return this.recordStart;
  }

  push(chunk: Buffer): void {
    this.fed += chunk.length;
    // Transforms synchronously: nothing is ever buffered on the readable side.
    this.parser.write(chunk);
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.parser.once('error', reject);
      this.parser.end(() => resolve());
    });
  }

  destroy(): void {
    this.parser.destroy();
  }

  /**
   * Node replaces bytes that are not UTF-8 by U+FFFD; a U+FFFD that was really in the input (a
   * valid EF BF BD) is told apart by decoding the raw bytes strictly.
   */
  private undecodable(
    fields: readonly string[],
    start: number,
    end: number,
    bytes: (start: number, end: number) => Buffer,
  ): number[] {
    if (this.encoding !== 'utf8') return [];
    const suspects: number[] = [];
    for (let i = 0; i < fields.length; i++) {
      if (fields[i]!.includes(REPLACEMENT_CHARACTER)) suspects.push(i);
    }
    if (suspects.length === 0) return suspects;
    try {
      strictUtf8.decode(bytes(start, end));
      return [];
    } catch {
      return suspects;
    }
  }
}
