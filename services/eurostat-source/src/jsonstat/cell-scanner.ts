import type { ByteSource } from './byte-source.js';
import { JsonStatError } from './errors.js';
import { outOfBytes, readString, unexpected } from './json-value.js';

/** Receives the cells of `value` or `status` in file order. */
export interface CellSink {
  /**
   * One entry: its linear index, its text (`status`; null for null) and the text offset of the
   * entry; a `value` entry's number is in `CELL_NUMBER[0]` (NaN for null). Returns false to
   * pause the scan after this entry.
   */
  cell(index: number, text: string | null, at: number): boolean;
}

/**
 * The number of the entry being handed to a sink. A typed array rather than an argument: a
 * double passed through a call that is not inlined is boxed, an allocation per cell.
 */
export const CELL_NUMBER = new Float64Array(1);

/** What one synchronous step over the bytes in hand ended with. */
export type ScanStep = 'paused' | 'more' | 'done';

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** One-character strings, shared: Eurostat's flags are single letters, a million cells may carry one. */
const ASCII = Array.from({ length: 0x80 }, (_, b) => String.fromCharCode(b));
const parsed = new Float64Array(1);

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * Parses the JSON number at `p` into `parsed`; answers the position after it, −1 when the bytes
 * in hand end inside it, −2 when it is not a JSON number. Eurostat's values have at most 15
 * significant digits and no exponent: those are computed as m / 10^k, which is exact in IEEE
 * arithmetic (m < 2^53, k ≤ 22: one correctly rounded division), so the result is the one
 * JSON.parse gives; any other number goes through Number().
 */
function parseNumber(buf: Buffer, p: number): number {
  const n = buf.length;
  let i = p;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
  }
  if (i >= n) return -1;
  let c = buf[i] as number;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    for (; i < n; i++) {
      c = buf[i] as number;
      if (c < 0x30 || c > 0x39) break;
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
    }
  } else return -2;
  if (i < n && buf[i] === 0x2e) {
    i++;
    const first = i;
    for (; i < n; i++) {
      c = buf[i] as number;
      if (c < 0x30 || c > 0x39) break;
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      scale++;
    }
    if (i === first) return i >= n ? -1 : -2;
  }
  let slow = digits > 15;
  if (i < n && ((buf[i] as number) | 0x20) === 0x65) {
    slow = true;
    i++;
    if (i < n && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
    const first = i;
    while (i < n && isDigit(buf[i] as number)) i++;
    if (i === first) return i >= n ? -1 : -2;
  }
  if (i >= n) return -1;
  if (slow) {
    parsed[0] = Number(buf.toString('latin1', p, i));
    return i;
  }
  const value = scale === 0 ? mantissa : mantissa / (POW10[scale] as number);
  parsed[0] = negative ? -value : value;
  return i;
}

/**
 * Reads the cells of a `value` or `status` member – a sparse object keyed by linear index (as
 * Eurostat writes them) or a dense array – from the byte after its `{` or `[`, handing each entry
 * to a sink. An entry is parsed whole from the bytes in hand or not at all, so a step that runs
 * out of bytes is simply taken again after `fill()`.
 */
export class CellScanner {
  /** Entries read (for an array: elements, the next element's index). */
  entries = 0;
  private first = true;

  constructor(
    private readonly src: ByteSource,
    private readonly kind: 'number' | 'text',
    private readonly shape: 'object' | 'array',
    private readonly sink: CellSink,
  ) {}

  /** Reads entries from the bytes in hand until the sink pauses, the bytes run out or the member ends. */
  step(): ScanStep {
    const src = this.src;
    const buf = src.buf;
    const n = buf.length;
    const object = this.shape === 'object';
    const close = object ? 0x7d : 0x5d;
    let p = src.pos;
    for (;;) {
      const start = p;
      while (p < n && isSpaceByte(buf[p] as number)) p++;
      if (p >= n) return this.more(start);
      if (this.first && buf[p] === close) {
        src.pos = p + 1;
        return 'done';
      }
      let index = this.entries;
      if (object) {
        if (buf[p] !== 0x22) throw unexpected(src, p, 'a cell index in quotes');
        const keyAt = p;
        p++;
        index = 0;
        while (p < n && isDigit(buf[p] as number)) {
          index = index * 10 + ((buf[p] as number) - 0x30);
          p++;
        }
        if (p >= n) return this.more(start);
        if (buf[p] !== 0x22 || p === keyAt + 1) {
          throw this.badIndex(keyAt);
        }
        p++;
        while (p < n && isSpaceByte(buf[p] as number)) p++;
        if (p >= n) return this.more(start);
        if (buf[p] !== 0x3a) throw unexpected(src, p, "':'");
        p++;
        while (p < n && isSpaceByte(buf[p] as number)) p++;
        if (p >= n) return this.more(start);
      }
      const valueAt = p;
      CELL_NUMBER[0] = Number.NaN;
      let text: string | null = null;
      const b = buf[p] as number;
      if (b === 0x6e) {
        if (p + 4 > n) return this.more(start);
        if (buf[p + 1] !== 0x75 || buf[p + 2] !== 0x6c || buf[p + 3] !== 0x6c) {
          throw unexpected(src, p, "'null'");
        }
        p += 4;
      } else if (this.kind === 'number') {
        const end = parseNumber(buf, p);
        if (end === -1) return this.more(start);
        if (end === -2) throw unexpected(src, p, 'a number or null');
        CELL_NUMBER[0] = parsed[0] as number;
        p = end;
      } else {
        if (b !== 0x22) throw unexpected(src, p, 'a status string or null');
        let end = p + 1;
        while (end < n && buf[end] !== 0x22 && buf[end] !== 0x5c) end++;
        if (end >= n) return this.more(start);
        if (buf[end] === 0x22) {
          const only = buf[p + 1] as number;
          text =
            end === p + 2 && only < 0x80
              ? (ASCII[only] as string)
              : buf.toString('utf8', p + 1, end);
          p = end + 1;
        } else {
          src.pos = p;
          try {
            [text, p] = readString(src, p);
          } catch (err) {
            src.pos = start;
            throw err;
          }
        }
      }
      while (p < n && isSpaceByte(buf[p] as number)) p++;
      if (p >= n) return this.more(start);
      const delimiter = buf[p];
      if (delimiter !== 0x2c && delimiter !== close) {
        throw unexpected(src, p, object ? "',' or '}'" : "',' or ']'");
      }
      p++;
      this.first = false;
      this.entries++;
      const go = this.sink.cell(index, text, src.base + (object ? start : valueAt));
      if (delimiter === close) {
        src.pos = p;
        return 'done';
      }
      if (!go) {
        src.pos = p;
        return 'paused';
      }
    }
  }

  /** Reads the whole member, widening the window as needed (pass 1: the sink never pauses). */
  async run(): Promise<void> {
    for (;;) {
      const step = this.step();
      if (step === 'done') return;
      if (step === 'more') await this.src.fill();
    }
  }

  private more(start: number): ScanStep {
    this.src.pos = start;
    if (this.src.eof) outOfBytes(this.src, this.src.buf.length);
    return 'more';
  }

  private badIndex(at: number): JsonStatError {
    const src = this.src;
    let end = at + 1;
    while (end < src.buf.length && end < at + 40 && src.buf[end] !== 0x22) end++;
    return new JsonStatError(
      'LS_JSONSTAT_INDEX_OUT_OF_RANGE',
      `'${src.buf.toString('utf8', at + 1, end)}' is not a cell index (a non-negative integer)`,
      { file: src.file, offset: src.base + at },
    );
  }
}

function isSpaceByte(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
