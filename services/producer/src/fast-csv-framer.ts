/**
 * A fast RFC 4180 record splitter for ASCII-compatible encodings (latin-1, UTF-8), used instead
 * of csv-parse on the hot path: csv-parse inspects the input byte by byte in JavaScript and ran
 * at ~10 MB/s here, most of the producer's time; this one lets V8's native string search do the
 * work (a DataCo line without quotes is one `indexOf` and one `split`) and reaches several times
 * that. csv-parse stays available (`--parser csv-parse`) and is the oracle of a differential test.
 *
 * Framing is done on the bytes read as latin-1 (one character per byte), because the delimiter,
 * quote and line end are ASCII and never occur inside a UTF-8 multi-byte sequence: offsets are
 * then exact byte offsets, and only fields holding non-ASCII bytes are decoded again (strictly,
 * for UTF-8, which pinpoints undecodable columns).
 *
 * Semantics (matching the producer's csv-parse settings): `,` separates, `"` quotes, `""` is a
 * quote inside a quoted field; a quote inside an unquoted field is text (relax_quotes); records
 * end at LF or CRLF, may span lines inside quotes and may have any number of fields; empty lines
 * are skipped; a final record without a line end is a record; a quote still open at the end of
 * the input is a syntax error for that last record.
 */

/** A decoded record and where it lies in the input (absolute byte offsets, end exclusive). */
export interface FramedRecord {
  readonly fields: string[];
  readonly start: number;
  readonly end: number;
  /** Indexes of fields whose bytes are not valid in the encoding (UTF-8 only). */
  readonly undecodable: readonly number[];
}

/** Receives what a framer finds, in input order. */
export interface FramerSink {
  record(record: FramedRecord): void;
  /** Bytes [start, end) could not be framed as a record (e.g. a quote still open at the end). */
  syntaxError(start: number, end: number, message: string): void;
}

/** Splits a byte stream into decoded CSV records. */
export interface RecordFramer {
  /** The encoding in effect (a UTF-8 byte-order mark switches to UTF-8). */
  readonly encoding: 'latin1' | 'utf8';
  /** Absolute offset of the first byte not yet part of a complete record. */
  readonly pendingFrom: number;
  push(chunk: Buffer): void;
  /** The input is over: frame what is left. */
  end(): Promise<void> | void;
  /** Releases resources (idempotent). */
  destroy(): void;
}

const NON_ASCII = /[\x80-\xff]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits a byte stream into CSV records; see the module comment. */
export class FastCsvFramer implements RecordFramer {
  /** Text not yet framed (latin-1 view of the bytes), and the absolute offset of its start. */
  private text = '';
  /** Chunks received after `text` that hold no line feed (see `push`). */
  private held: string[] = [];
  private base = 0;
  private first = true;
  private utf8: boolean;

  constructor(
    encoding: 'latin1' | 'utf8',
    private readonly sink: FramerSink,
  ) {
    this.utf8 = encoding === 'utf8';
  }

  /** The encoding in effect (a UTF-8 byte-order mark switches to UTF-8, as csv-parse does). */
  get encoding(): 'latin1' | 'utf8' {
    return this.utf8 ? 'utf8' : 'latin1';
  }

  /** Absolute offset of the first byte not yet part of a complete record. */
  get pendingFrom(): number {
    return this.base;
  }

  push(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    // Every record ends at a line feed (or the end of the input): a chunk without one cannot end
    // a record, so it is only kept. Joining and rescanning on every chunk would make one huge
    // record (a 10 MB field, an unclosed quote) quadratic.
    if (!this.first && text.indexOf('\n') === -1) {
      this.held.push(text);
      return;
    }
    this.text = this.joinHeld(text);
    if (this.first) {
      // A byte-order mark needs its 3 bytes before anything can be framed.
      if (this.text.length < 3) return;
      this.skipByteOrderMark();
    }
    this.frame(false);
  }

  end(): void {
    this.text = this.joinHeld('');
    if (this.first) this.skipByteOrderMark();
    this.frame(true);
  }

  private joinHeld(next: string): string {
    if (this.held.length === 0) return this.text.length === 0 ? next : this.text + next;
    const joined = [this.text, ...this.held, next].join('');
    this.held = [];
    return joined;
  }

  private skipByteOrderMark(): void {
    this.first = false;
    if (this.text.startsWith('\xef\xbb\xbf')) {
      this.text = this.text.slice(3);
      this.base = 3;
      this.utf8 = true;
    }
  }

  destroy(): void {
    this.text = '';
    this.held = [];
  }

  private frame(atEnd: boolean): void {
    const text = this.text;
    const length = text.length;
    let pos = 0;
    // Where the next quote is (-1: none up to the end of `text`), searched once, not per line.
    let quote = text.indexOf('"');
    while (pos < length) {
      const newline = text.indexOf('\n', pos);
      if (newline === -1 && !atEnd) break;
      const lineEnd = newline === -1 ? length : newline;
      if (quote !== -1 && quote < pos) quote = text.indexOf('"', pos);
      if (quote === -1 || quote > lineEnd) {
        // The common case: a record on one line without quotes.
        const next = newline === -1 ? length : newline + 1;
        const contentEnd =
          lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
        if (contentEnd > pos) this.emit(text.slice(pos, contentEnd).split(','), pos, next);
        pos = next;
        continue;
      }
      const end = this.quotedRecord(text, pos, atEnd);
      if (end === NEED_MORE) break;
      if (end === OPEN_AT_END) {
        this.sink.syntaxError(
          this.base + pos,
          this.base + length,
          'Quote Not Closed: the input ends inside a quoted field',
        );
        pos = length;
        break;
      }
      pos = end;
    }
    this.text = pos === 0 ? text : text.slice(pos);
    this.base += pos;
  }

  /**
   * Parses one record that contains a quote, from `start`. Returns the offset after its line
   * end, NEED_MORE when the input ends before the record does (and more may come), OPEN_AT_END
   * when it ends inside quotes for good.
   */
  private quotedRecord(text: string, start: number, atEnd: boolean): number {
    const fields: string[] = [];
    const length = text.length;
    let pos = start;
    for (;;) {
      let value = '';
      if (text.charCodeAt(pos) === QUOTE) {
        // Quoted field: up to the quote that is not doubled.
        let from = pos + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) return atEnd ? OPEN_AT_END : NEED_MORE;
          if (q + 1 >= length && !atEnd) return NEED_MORE;
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          pos = q + 1;
          break;
        }
      }
      // Up to the delimiter or line end; after a closing quote this text is kept too (relaxed).
      const stop = nextStop(text, pos);
      if (stop === -1 && !atEnd) return NEED_MORE;
      const until = stop === -1 ? length : stop;
      if (stop !== -1 && text.charCodeAt(stop) === COMMA) {
        fields.push(value + text.slice(pos, until));
        pos = until + 1;
        continue;
      }
      // Line end (LF, or the end of the input): a CR right before the LF belongs to the line end.
      const contentEnd = until > pos && text.charCodeAt(until - 1) === 13 ? until - 1 : until;
      fields.push(value + text.slice(pos, contentEnd));
      const next = stop === -1 ? length : stop + 1;
      this.emit(fields, start, next);
      return next;
    }
  }

  private emit(fields: string[], start: number, end: number): void {
    let undecodable: number[] | undefined;
    // latin-1 needs nothing: every byte is a character. UTF-8 fields are re-decoded only when
    // they hold a non-ASCII byte.
    if (this.utf8 && NON_ASCII.test(this.text.slice(start, end))) {
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i]!;
        if (!NON_ASCII.test(field)) continue;
        const bytes = Buffer.from(field, 'latin1');
        try {
          fields[i] = strictUtf8.decode(bytes);
        } catch {
          fields[i] = bytes.toString('utf8');
          undecodable ??= [];
          undecodable.push(i);
        }
      }
    }
    this.sink.record({
      fields,
      start: this.base + start,
      end: this.base + end,
      undecodable: undecodable ?? NONE,
    });
  }
}

const NEED_MORE = -1;
const OPEN_AT_END = -2;
const QUOTE = 34;
const COMMA = 44;
const NONE: readonly number[] = [];

/** Offset of the next `,` or LF from `pos`, or -1. */
function nextStop(text: string, pos: number): number {
  for (let i = pos; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === 10) return i;
  }
  return -1;
}
