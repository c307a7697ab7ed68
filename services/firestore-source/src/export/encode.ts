/**
 * A Firestore document as one row of the export object, and the warehouse type of each column
 * inferred while the rows stream by. Values are written as packages/lake/src/firestore.ts says,
 * so a document reads the same here as through the managed-export reader.
 *
 * The client is built with `useBigInt: true`: an integer arrives as a bigint and a double as a
 * number, so int64 stays exact and the two Firestore types stay apart (1.0 stored as a double is
 * a FLOAT64, not an INT64).
 */
import { DocumentReference, GeoPoint, Timestamp, VectorValue } from '@google-cloud/firestore';
import {
  FIRESTORE_METADATA_COLUMNS,
  type FileColumn,
  type FileColumnType,
  firestoreDoubleJson,
  firestoreIntegerJson,
  firestoreTimestampJson,
} from '@lakestream/lake';
import { ExportError } from './errors.js';

/** The Firestore type of a top-level value, as far as column typing needs it. */
type ValueKind =
  | 'null'
  | 'string'
  | 'integer'
  | 'double'
  | 'bool'
  | 'timestamp'
  | 'bytes'
  | 'reference'
  | 'json';

const SCALAR_TYPES: Readonly<Record<Exclude<ValueKind, 'null'>, FileColumnType>> = {
  string: 'STRING',
  integer: 'INT64',
  double: 'FLOAT64',
  bool: 'BOOL',
  timestamp: 'TIMESTAMP',
  bytes: 'BYTES',
  reference: 'STRING',
  json: 'JSON',
};

/** The reserved prefix of the metadata columns. */
export const RESERVED_PREFIX = '_ls_';

/** A Firestore timestamp as the contract writes it (µs; nanoseconds below them are cut). */
export function timestampJson(t: Timestamp): string {
  return firestoreTimestampJson(t.seconds, Math.floor(t.nanoseconds / 1000));
}

/** One Firestore value (as the client returns it) as contract JSON. */
export function valueJson(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return firestoreIntegerJson(value);
    case 'number':
      return firestoreDoubleJson(value);
  }
  if (value instanceof Timestamp) return timestampJson(value);
  if (value instanceof DocumentReference) return value.path;
  if (value instanceof GeoPoint) return { latitude: value.latitude, longitude: value.longitude };
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof VectorValue) return value.toArray().map(firestoreDoubleJson);
  if (Array.isArray(value)) return value.map(valueJson);
  if (typeof value === 'object') {
    // No prototype: a map key '__proto__' is a field like any other.
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, inner] of Object.entries(value)) out[key] = valueJson(inner);
    return out;
  }
  throw new TypeError(`unexpected Firestore value of type ${typeof value}`);
}

function kindOf(value: unknown): ValueKind {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'integer';
    case 'number':
      return 'double';
  }
  if (value instanceof Timestamp) return 'timestamp';
  if (value instanceof DocumentReference) return 'reference';
  if (value instanceof Uint8Array) return 'bytes';
  return 'json';
}

/** The rule of the shared design: one scalar type keeps it; integers with doubles are doubles. */
function merge(a: ValueKind | undefined, b: ValueKind): ValueKind {
  if (a === undefined || a === 'null') return b;
  if (b === 'null' || a === b) return a;
  if ((a === 'integer' && b === 'double') || (a === 'double' && b === 'integer')) return 'double';
  return 'json';
}

/** The columns of one export object, typed as its rows stream by. */
export class ColumnTypes {
  private readonly kinds = new Map<string, ValueKind>();
  /** Each field name by its lower case: warehouse column names ignore case, Firestore's do not. */
  private readonly byFolded = new Map<string, string>();

  /**
   * Notes the kinds of one document's top-level fields. Refuses two fields whose names differ
   * only in case (`Case` and `case`, in one document or two): DuckDB and BigQuery would see one
   * column twice and refuse the whole snapshot.
   */
  add(fields: Readonly<Record<string, unknown>>, path = ''): void {
    for (const [name, value] of Object.entries(fields)) {
      const folded = name.toLowerCase();
      const seen = this.byFolded.get(folded);
      if (seen === undefined) this.byFolded.set(folded, name);
      else if (seen !== name) {
        throw new ExportError(
          'LS_FIRESTORE_EXPORT_COLUMN_CLASH',
          `document ${path} has a field '${name}' and the collection a field '${seen}': warehouse column names ignore case, so they would be one column; rename one of them`,
          { details: { path, fields: [seen, name] } },
        );
      }
      this.kinds.set(name, merge(this.kinds.get(name), kindOf(value)));
    }
  }

  /**
   * The manifest's columns: the metadata columns, then the fields by name (a field only ever
   * null is JSON: no value said otherwise).
   */
  columns(): FileColumn[] {
    const fields = [...this.kinds.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, kind]) => ({ name, type: kind === 'null' ? 'JSON' : SCALAR_TYPES[kind] }));
    return [
      { name: FIRESTORE_METADATA_COLUMNS.path, type: 'STRING' },
      { name: FIRESTORE_METADATA_COLUMNS.exportRun, type: 'STRING' },
      { name: FIRESTORE_METADATA_COLUMNS.readTime, type: 'TIMESTAMP' },
      ...fields,
    ];
  }
}

/** What every row of a run's collection carries beside the document's fields. */
export interface RowContext {
  runId: string;
  /** The run's read time as contract JSON. */
  readTime: string;
}

/**
 * One document as a JSON line (without the newline): the metadata columns first, then its
 * top-level fields in the order Firestore returns them. Refuses a field named `_ls_…`.
 */
export function documentRow(
  path: string,
  fields: Readonly<Record<string, unknown>>,
  ctx: RowContext,
): string {
  const row: Record<string, unknown> = Object.create(null);
  row[FIRESTORE_METADATA_COLUMNS.path] = path;
  row[FIRESTORE_METADATA_COLUMNS.exportRun] = ctx.runId;
  row[FIRESTORE_METADATA_COLUMNS.readTime] = ctx.readTime;
  for (const [name, value] of Object.entries(fields)) {
    // Any case: warehouse column names ignore it.
    if (name.toLowerCase().startsWith(RESERVED_PREFIX)) {
      throw new ExportError(
        'LS_FIRESTORE_EXPORT_RESERVED_FIELD',
        `document ${path} has a field '${name}': names starting with '${RESERVED_PREFIX}' are reserved for the export's metadata columns; rename the field`,
        { details: { path, field: name } },
      );
    }
    row[name] = valueJson(value);
  }
  return JSON.stringify(row);
}
