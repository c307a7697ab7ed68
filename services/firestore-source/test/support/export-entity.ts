/**
 * Test-only encoder of Firestore documents as managed exports write them: EntityProto (proto2 with
 * groups, the field numbers of appengine's entity_bytes_pb2) with the value encoding measured on
 * the official emulator's exports. Values are tagged (`fs.int`, `fs.timestamp`, …) because JSON
 * cannot tell an integer from a double, a timestamp from a string.
 */

/** A Firestore value as the fixtures spell it. */
export type FsValue =
  | null
  | boolean
  | string
  | FsValue[]
  | { int: bigint }
  | { double: number }
  | { timestampMicros: bigint }
  | { bytes: Buffer }
  | { geo: { latitude: number; longitude: number } }
  | { ref: string }
  | { map: Record<string, FsValue> }
  | { raw: { meaning: number; value: Buffer } };

/** Constructors of tagged values. */
export const fs = {
  int: (n: number | bigint): FsValue => ({ int: BigInt(n) }),
  double: (d: number): FsValue => ({ double: d }),
  timestamp: (micros: number | bigint): FsValue => ({ timestampMicros: BigInt(micros) }),
  bytes: (b: Buffer): FsValue => ({ bytes: b }),
  geo: (latitude: number, longitude: number): FsValue => ({ geo: { latitude, longitude } }),
  ref: (path: string): FsValue => ({ ref: path }),
  map: (fields: Record<string, FsValue>): FsValue => ({ map: fields }),
  /** A property with any meaning and raw PropertyValue bytes (for unknown-type fixtures). */
  raw: (meaning: number, value: Buffer): FsValue => ({ raw: { meaning, value } }),
};

/** A document to encode. */
export interface FsDocument {
  path: string;
  fields: Record<string, FsValue>;
}

/** How the entity is written. */
export interface EntityOptions {
  /** `dev~<project>` (emulator) or `s~<project>` (Cloud). */
  app: string;
  /** Top-level properties in field 14 (`property`, indexed) as Cloud writes them, else 15. */
  indexed?: boolean;
  /** Path segments of only digits written as numeric ids (`Element.id`). */
  numericIds?: boolean;
}

/** A protobuf byte builder. */
export class ProtoWriter {
  private parts: Buffer[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      bytes.push(b);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }
  bytes(field: number, body: Buffer | string): this {
    const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.tag(field, 2).varint(b.length);
    this.parts.push(b);
    return this;
  }
  double(field: number, d: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(d);
    this.tag(field, 1);
    this.parts.push(b);
    return this;
  }
  uint(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }
  group(field: number, fill: (w: ProtoWriter) => void): this {
    this.tag(field, 3);
    fill(this);
    return this.tag(field, 4);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const MEANING = {
  gdWhen: 7,
  georssPoint: 9,
  blob: 14,
  byteString: 16,
  entityProto: 19,
  emptyList: 24,
};

function pathElements(
  w: ProtoWriter,
  path: string,
  numericIds: boolean,
  f: { group: number; type: number; id: number; name: number },
) {
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i += 2) {
    w.group(f.group, (g) => {
      g.bytes(f.type, parts[i]!);
      const id = parts[i + 1]!;
      if (numericIds && /^[1-9][0-9]*$/.test(id)) g.uint(f.id, BigInt(id));
      else g.bytes(f.name, id);
    });
  }
}

/** The PropertyValue bytes and meaning of a non-array value. */
function encodeValue(
  value: FsValue,
  options: EntityOptions,
  indexed = false,
): { meaning: number; value: Buffer } {
  const w = new ProtoWriter();
  if (value === null) return { meaning: 0, value: w.done() };
  if (typeof value === 'boolean') return { meaning: 0, value: w.uint(2, value ? 1 : 0).done() };
  if (typeof value === 'string') return { meaning: 0, value: w.bytes(3, value).done() };
  if (Array.isArray(value)) throw new Error('arrays are encoded as repeated properties');
  if ('int' in value) return { meaning: 0, value: w.uint(1, value.int).done() };
  if ('double' in value) return { meaning: 0, value: w.double(4, value.double).done() };
  if ('timestampMicros' in value)
    return { meaning: MEANING.gdWhen, value: w.uint(1, value.timestampMicros).done() };
  if ('bytes' in value) {
    // A BLOB cannot be indexed (Google's emulator refuses the import): indexed bytes are BYTESTRING.
    const meaning = indexed ? MEANING.byteString : MEANING.blob;
    return { meaning, value: w.bytes(3, value.bytes).done() };
  }
  if ('geo' in value) {
    const { latitude, longitude } = value.geo;
    return {
      meaning: MEANING.georssPoint,
      value: w.group(5, (g) => g.double(6, latitude).double(7, longitude)).done(),
    };
  }
  if ('ref' in value) {
    w.group(12, (g) => {
      g.bytes(13, options.app);
      pathElements(g, value.ref, options.numericIds ?? false, {
        group: 14,
        type: 15,
        id: 16,
        name: 17,
      });
    });
    return { meaning: 0, value: w.done() };
  }
  if ('map' in value) {
    const nested = encodeEntityBody(null, value.map, { ...options, indexed: false });
    return { meaning: MEANING.entityProto, value: w.bytes(3, nested).done() };
  }
  return value.raw;
}

function property(name: string, meaning: number, multiple: boolean, value: Buffer): Buffer {
  const w = new ProtoWriter();
  if (meaning !== 0) w.uint(1, meaning);
  return w
    .bytes(3, name)
    .uint(4, multiple ? 1 : 0)
    .bytes(5, value)
    .done();
}

function encodeEntityBody(
  path: string | null,
  fields: Record<string, FsValue>,
  options: EntityOptions,
): Buffer {
  const w = new ProtoWriter();
  const key = new ProtoWriter().bytes(13, path === null ? '' : options.app);
  const keyPath = new ProtoWriter();
  if (path !== null) {
    pathElements(keyPath, path, options.numericIds ?? false, { group: 1, type: 2, id: 3, name: 4 });
  }
  w.bytes(13, key.bytes(14, keyPath.done()).done());
  const eg = new ProtoWriter();
  if (path !== null) {
    const first = path.split('/').slice(0, 2).join('/');
    pathElements(eg, first, options.numericIds ?? false, { group: 1, type: 2, id: 3, name: 4 });
  }
  w.bytes(16, eg.done());
  const indexed = options.indexed ?? false;
  // Empty arrays first, in `property` (14), as the emulator writes them.
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value) && value.length === 0) {
      w.bytes(14, property(name, MEANING.emptyList, false, Buffer.alloc(0)));
    }
  }
  const field = indexed ? 14 : 15;
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value)) {
      for (const element of value) {
        const e = encodeValue(element, options, indexed);
        w.bytes(field, property(name, e.meaning, true, e.value));
      }
    } else {
      const e = encodeValue(value, options, indexed);
      // A null is never indexed by the emulator; Cloud indexes it, either way reads the same.
      w.bytes(value === null ? 15 : field, property(name, e.meaning, false, e.value));
    }
  }
  return w.done();
}

/** One document as an EntityProto record. */
export function encodeEntity(doc: FsDocument, options: EntityOptions): Buffer {
  return encodeEntityBody(doc.path, doc.fields, options);
}
