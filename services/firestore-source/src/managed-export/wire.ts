/**
 * The protocol-buffer wire format, as much as EntityProto needs: varints, fixed 64-bit doubles,
 * length-delimited fields and proto2 groups (wire types 3/4). A cursor over one buffer; every
 * read checks its bounds and throws `WireError` on malformed input.
 */

/** Wire types. */
export const WIRE = {
  varint: 0,
  fixed64: 1,
  bytes: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

/** Malformed protocol-buffer bytes. */
export class WireError extends Error {}

const TWO_32 = 4294967296;

// Buffer's own decoder without `toString`'s argument checks and slice (a third of decode time
// went there, measured with --cpu-prof on the benchmark's export).
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice: (s: number, e: number) => string })
  .utf8Slice;

/** `buf[start, end)` as UTF-8 text. */
export function utf8(buf: Buffer, start: number, end: number): string {
  return utf8Slice.call(buf, start, end);
}

/** A read position in `buf`, up to `end`. */
export class WireReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint that fits 32 bits unsigned (tags, lengths, enums, bools). */
  uint32(): number {
    const { buf, end } = this;
    let value = 0;
    let shift = 0;
    while (true) {
      if (this.pos >= end) throw new WireError('varint runs past the end');
      const b = buf[this.pos++]!;
      if (shift < 28) value |= (b & 0x7f) << shift;
      else if (shift === 28) value += (b & 0x0f) * 2 ** 28;
      else if (shift > 63) throw new WireError('varint longer than 10 bytes');
      if (b < 0x80) return value;
      shift += 7;
    }
  }

  /** A signed int64 varint: a number when exact, else a bigint. */
  int64(): number | bigint {
    const { buf, end } = this;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; ; i++) {
      if (this.pos >= end) throw new WireError('varint runs past the end');
      if (i > 9) throw new WireError('varint longer than 10 bytes');
      const b = buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) break;
    }
    lo >>>= 0;
    hi >>>= 0;
    if (hi <= 0x1fffff) return hi * TWO_32 + lo; // 0 … 2^53 − 1
    if (hi >= 0xffe00000) return (hi - TWO_32) * TWO_32 + lo; // −2^53 … −1
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('double runs past the end');
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A length-delimited field's range; the cursor moves past it. */
  bytes(): [number, number] {
    const length = this.uint32();
    const start = this.pos;
    if (start + length > this.end) throw new WireError('field runs past the end');
    this.pos = start + length;
    return [start, this.pos];
  }

  string(): string {
    const [start, end] = this.bytes();
    return utf8(this.buf, start, end);
  }

  /** The length-delimited field here as a reader of its own; the cursor moves past it. */
  message(): WireReader {
    const [start, end] = this.bytes();
    return new WireReader(this.buf, start, end);
  }

  /** Skips the field whose `tag` was just read (a group through its end tag). */
  skip(tag: number): void {
    const wireType = tag & 7;
    const field = tag >>> 3;
    switch (wireType) {
      case WIRE.varint:
        this.uint32Loose();
        return;
      case WIRE.fixed64:
        this.advance(8);
        return;
      case WIRE.bytes:
        this.bytes();
        return;
      case WIRE.fixed32:
        this.advance(4);
        return;
      case WIRE.startGroup:
        this.skipGroup(field);
        return;
      default:
        throw new WireError(`wire type ${wireType} of field ${field} is not valid here`);
    }
  }

  private skipGroup(field: number): void {
    while (true) {
      const tag = this.uint32();
      if ((tag & 7) === WIRE.endGroup) {
        if (tag >>> 3 !== field) throw new WireError(`group ${field} ended by ${tag >>> 3}`);
        return;
      }
      this.skip(tag);
    }
  }

  private uint32Loose(): void {
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) throw new WireError('varint runs past the end');
      if (i > 9) throw new WireError('varint longer than 10 bytes');
      if (this.buf[this.pos++]! < 0x80) return;
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireError('field runs past the end');
    this.pos += n;
  }
}

/** Calls `read` with each length-delimited `field` at the top of `buf`, skipping the rest. */
export function forEachMessage(
  buf: Buffer,
  field: number,
  read: (message: WireReader) => void,
): void {
  const r = new WireReader(buf, 0, buf.length);
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((field << 3) | WIRE.bytes)) read(r.message());
    else r.skip(tag);
  }
}
