/**
 * EntityProto (App Engine's datastore v3 entity, proto2 with groups; the field numbers of
 * `google/appengine/datastore/entity_bytes_pb2`) → a Firestore document `{ path, fields }`, values
 * in the JSON encoding of `@lakestream/lake`'s firestore contract. How a managed export writes
 * each Firestore type (measured on emulator exports): a timestamp is an int64 of microseconds
 * with meaning GD_WHEN, bytes a string with meaning BLOB, a geopoint the PointValue group with
 * GEORSS_POINT, a map a serialized EntityProto with ENTITY_PROTO, indexed bytes (a BLOB cannot
 * be indexed) a string with BYTESTRING, an array one property per
 * element with `multiple`, an empty array one EMPTY_LIST property, null an empty value. A
 * Datastore-written TEXT (a long string) and BYTESTRING are read whether indexed or not.
 *
 * An EntityProto has no per-document create or update time: the key, the properties, and the
 * entity group / owner / kind fields Firestore leaves unset.
 */
import {
  firestoreDoubleJson,
  firestoreIntegerJson,
  firestoreTimestampJson,
} from '@lakestream/lake';
import { utf8, WIRE, WireError, WireReader } from './wire.js';

/** Property meanings a Firestore export uses. */
const MEANING = {
  none: 0,
  gdWhen: 7,
  georssPoint: 9,
  blob: 14,
  text: 15,
  byteString: 16,
  entityProto: 19,
  emptyList: 24,
};

/** A record that cannot become a document: which bad-input class, and the path when known. */
export class EntityError extends Error {
  constructor(
    readonly class_: 'bad_entity' | 'unknown_property_type',
    message: string,
    public path: string | null = null,
  ) {
    super(message);
  }
}

/** A decoded document. */
export interface DecodedEntity {
  path: string;
  fields: Record<string, unknown>;
}

/** Path elements `{type, id|name}` (group `field`) → `type/id/type/id…`. */
function readPathElements(
  r: WireReader,
  groupField: number,
  typeField: number,
  idField: number,
  nameField: number,
): string {
  let type: string | null = null;
  let id: string | null = null;
  while (true) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (wt === WIRE.endGroup && field === groupField) break;
    if (field === typeField && wt === WIRE.bytes) type = r.string();
    else if (field === nameField && wt === WIRE.bytes) id = r.string();
    else if (field === idField && wt === WIRE.varint) id = String(r.int64());
    else r.skip(tag);
  }
  if (type === null || id === null) throw new WireError('a path element without kind or id/name');
  return `${type}/${id}`;
}

/** Reference { app 13, name_space 20, path 14 { repeated group Element 1 {2, 3, 4} } }. */
function readKeyPath(r: WireReader): string {
  const parts: string[] = [];
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((14 << 3) | WIRE.bytes)) {
      const path = r.message();
      while (!path.done()) {
        const t = path.uint32();
        if (t === ((1 << 3) | WIRE.startGroup)) parts.push(readPathElements(path, 1, 2, 3, 4));
        else path.skip(t);
      }
    } else r.skip(tag);
  }
  return parts.join('/');
}

/** ReferenceValue group 12 { app 13, name_space 20, PathElement group 14 {15, 16, 17}, database_id 23 }. */
function readReferenceValue(r: WireReader): string {
  const parts: string[] = [];
  while (true) {
    const tag = r.uint32();
    if (tag === ((12 << 3) | WIRE.endGroup)) return parts.join('/');
    if (tag === ((14 << 3) | WIRE.startGroup)) parts.push(readPathElements(r, 14, 15, 16, 17));
    else r.skip(tag);
  }
}

/** PointValue group 5 { x 6 = latitude, y 7 = longitude }. */
function readPointValue(r: WireReader): { latitude: number; longitude: number } {
  let latitude = 0;
  let longitude = 0;
  while (true) {
    const tag = r.uint32();
    if (tag === ((5 << 3) | WIRE.endGroup)) return { latitude, longitude };
    if (tag === ((6 << 3) | WIRE.fixed64)) latitude = r.double();
    else if (tag === ((7 << 3) | WIRE.fixed64)) longitude = r.double();
    else r.skip(tag);
  }
}

/** A PropertyValue under `meaning` → its JSON value. */
function readValue(r: WireReader, meaning: number, name: string): unknown {
  let int: number | bigint | undefined;
  let bool: boolean | undefined;
  let bytes: [number, number] | undefined;
  let double: number | undefined;
  let point: { latitude: number; longitude: number } | undefined;
  let reference: string | undefined;
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | WIRE.varint:
        int = r.int64();
        break;
      case (2 << 3) | WIRE.varint:
        bool = r.uint32() !== 0;
        break;
      case (3 << 3) | WIRE.bytes:
        bytes = r.bytes();
        break;
      case (4 << 3) | WIRE.fixed64:
        double = r.double();
        break;
      case (5 << 3) | WIRE.startGroup:
        point = readPointValue(r);
        break;
      case (12 << 3) | WIRE.startGroup:
        reference = readReferenceValue(r);
        break;
      default:
        throw new EntityError(
          'unknown_property_type',
          `property '${name}': PropertyValue field ${tag >>> 3} (wire type ${tag & 7}) is not a Firestore value`,
        );
    }
  }
  switch (meaning) {
    case MEANING.none:
      if (int !== undefined) return firestoreIntegerJson(int);
      if (bool !== undefined) return bool;
      if (bytes !== undefined) return utf8(r.buf, bytes[0], bytes[1]);
      if (double !== undefined) return firestoreDoubleJson(double);
      if (point !== undefined) return point;
      if (reference !== undefined) return reference;
      return null;
    case MEANING.gdWhen: {
      if (int === undefined) break;
      if (typeof int === 'number') {
        const seconds = Math.floor(int / 1_000_000);
        return firestoreTimestampJson(seconds, int - seconds * 1_000_000);
      }
      const micros = int;
      let seconds = micros / 1_000_000n;
      let rest = micros % 1_000_000n;
      if (rest < 0n) {
        rest += 1_000_000n;
        seconds -= 1n;
      }
      return firestoreTimestampJson(seconds, Number(rest));
    }
    case MEANING.georssPoint:
      if (point === undefined) break;
      return point;
    case MEANING.blob:
      return bytes === undefined ? '' : r.buf.toString('base64', bytes[0], bytes[1]);
    case MEANING.text:
      // A long string written unindexed by the legacy Datastore API; Firestore reads it as a string.
      if (int !== undefined || bool !== undefined || double !== undefined) break;
      return bytes === undefined ? '' : utf8(r.buf, bytes[0], bytes[1]);
    case MEANING.byteString:
      // Short bytes; Firestore writes them indexed (a BLOB cannot be indexed), Datastore may not.
      if (int !== undefined || bool !== undefined || double !== undefined) break;
      return bytes === undefined ? '' : r.buf.toString('base64', bytes[0], bytes[1]);
    case MEANING.entityProto:
      return bytes === undefined ? {} : readFields(r.buf, bytes[0], bytes[1]);
    case MEANING.emptyList:
      return [];
    default:
      throw new EntityError(
        'unknown_property_type',
        `property '${name}': meaning ${meaning} is not a Firestore type`,
      );
  }
  throw new EntityError(
    'unknown_property_type',
    `property '${name}': meaning ${meaning} with a value it does not take`,
  );
}

/** Property { meaning 1, meaning_uri 2, name 3, multiple 4, value 5, stashed 6, computed 7 }. */
function readProperty(buf: Buffer, start: number, end: number, fields: Record<string, unknown>) {
  const r = new WireReader(buf, start, end);
  let meaning = 0;
  let name: string | null = null;
  let multiple = false;
  let value: [number, number] | null = null;
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE.varint)) meaning = r.uint32();
    else if (tag === ((3 << 3) | WIRE.bytes)) name = r.string();
    else if (tag === ((4 << 3) | WIRE.varint)) multiple = r.uint32() !== 0;
    else if (tag === ((5 << 3) | WIRE.bytes)) value = r.bytes();
    else r.skip(tag);
  }
  if (name === null) throw new WireError('a property without a name');
  const v = readValue(new WireReader(buf, value?.[0] ?? 0, value?.[1] ?? 0), meaning, name);
  if (multiple) {
    const list = fields[name];
    if (Array.isArray(list)) list.push(v);
    else setField(fields, name, [v]);
  } else setField(fields, name, v);
}

function setField(fields: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(fields, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else fields[name] = value;
}

/** The properties (14 indexed, 15 unindexed, in record order) of an EntityProto in `buf[start, end)`. */
function readFields(buf: Buffer, start: number, end: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const r = new WireReader(buf, start, end);
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((14 << 3) | WIRE.bytes) || tag === ((15 << 3) | WIRE.bytes)) {
      const [s, e] = r.bytes();
      readProperty(buf, s, e, fields);
    } else r.skip(tag);
  }
  return fields;
}

/** The key path of an EntityProto (field 13), or null when it has none or it does not parse. */
function keyPathOf(buf: Buffer): string | null {
  try {
    const r = new WireReader(buf, 0, buf.length);
    while (!r.done()) {
      const tag = r.uint32();
      if (tag === ((13 << 3) | WIRE.bytes)) {
        const path = readKeyPath(r.message());
        return path === '' ? null : path;
      }
      r.skip(tag);
    }
  } catch {
    // The record is malformed before or inside its key: no path to report.
  }
  return null;
}

/** Decodes one export record; throws `EntityError` (with the path when known) when it cannot. */
export function decodeEntity(record: Buffer): DecodedEntity {
  const path = keyPathOf(record);
  try {
    if (path === null) throw new EntityError('bad_entity', 'no document key (field 13)');
    return { path, fields: readFields(record, 0, record.length) };
  } catch (err) {
    if (err instanceof EntityError) {
      err.path = path;
      throw err;
    }
    if (err instanceof WireError || err instanceof RangeError) {
      throw new EntityError('bad_entity', `not an EntityProto: ${err.message}`, path);
    }
    throw err;
  }
}

/** The collection id of a document path (`a/1/b/2` → `b`). */
export function collectionOf(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 2] ?? '';
}
