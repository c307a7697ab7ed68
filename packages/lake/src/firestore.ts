/**
 * The Firestore source's contract: where a collection export lands in bronze, which warehouse
 * schema and table it replaces, the metadata columns of its rows, and how Firestore values are
 * written as JSON – one encoding for the collection export's rows, the managed-export reader and
 * `firestore-dump`, so the same document reads the same whichever way it came.
 *
 * Values as JSON:
 * - null → `null`; a missing field → the key is absent (never `null`).
 * - boolean → boolean; integer → number when |n| ≤ 2^53 − 1, else decimal text (int64 is exact).
 * - double → number; NaN, Infinity, -Infinity → the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 * - string → string; bytes → base64 text.
 * - timestamp → UTC ISO 8601 with exactly 6 fractional digits: `2023-11-14T22:13:20.123456Z`
 *   (managed exports keep microseconds; nanoseconds below them are cut, not rounded).
 * - reference → the document path relative to the database: `teams/t1/reports/r1`.
 * - geopoint → `{"latitude": number, "longitude": number}`.
 * - map → object (recursively); array → array (recursively, an empty array stays `[]`).
 */
import { BRONZE_PREFIX } from './bronze-key.js';

/** Prefix of the Firestore bronze objects. */
export const FIRESTORE_BRONZE_PREFIX = `${BRONZE_PREFIX}firestore/`;

/** Prefix of the warehouse schema (DuckDB) or dataset (BigQuery) a project's collections land in. */
export const FIRESTORE_WAREHOUSE_SCHEMA_PREFIX = 'firestore_';

/**
 * Metadata columns of every exported document row, first in each row. A document field of one of
 * these names is refused by the exporter (`_ls_` is reserved).
 */
export const FIRESTORE_METADATA_COLUMNS = {
  /** The document path relative to the database (`teams/t1`). */
  path: '_ls_path',
  /** The export run that read it. */
  exportRun: '_ls_export_run',
  /** The run's consistent read time (UTC, microseconds). */
  readTime: '_ls_read_time',
} as const;

/**
 * The warehouse schema of a project: `firestore_<project>`, with `-` (allowed in project ids, not
 * in BigQuery dataset names) written `_`.
 */
export function firestoreWarehouseSchema(project: string): string {
  return `${FIRESTORE_WAREHOUSE_SCHEMA_PREFIX}${project.replaceAll('-', '_')}`;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const NAME = /^[^/]{1,1500}$/;

/**
 * The object key of a collection's export in a run:
 * `bronze/firestore/<project>/<collection>/dt=YYYY-MM-DD/<run id>.jsonl.gz`, the date being the
 * run's read time (UTC). Deterministic in (project, collection, run): a re-run of the same run id
 * writes the same object.
 */
export function firestoreExportKey(
  project: string,
  collection: string,
  readTime: Date,
  runId: string,
): string {
  if (!NAME.test(project) || !NAME.test(collection)) {
    throw new RangeError(
      `project '${project}' and collection '${collection}' must not contain '/'`,
    );
  }
  if (!RUN_ID.test(runId)) {
    throw new RangeError(`run id '${runId}' must be letters, digits, '_', '.' or '-'`);
  }
  const dt = readTime.toISOString().slice(0, 10);
  return `${FIRESTORE_BRONZE_PREFIX}${project}/${collection}/dt=${dt}/${runId}.jsonl.gz`;
}

/** A timestamp as the contract writes it: UTC, exactly 6 fractional digits. */
export function firestoreTimestampJson(seconds: bigint | number, micros: number): string {
  const ms = BigInt(seconds) * 1000n + BigInt(Math.floor(micros / 1000));
  const iso = new Date(Number(ms)).toISOString(); // …T22:13:20.123Z
  return `${iso.slice(0, 19)}.${String(Math.floor(micros)).padStart(6, '0')}Z`;
}

/** An int64 as the contract writes it: a number while exact, else decimal text. */
export function firestoreIntegerJson(value: bigint | number): number | string {
  const n = BigInt(value);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(n)
    : n.toString();
}

/** A double as the contract writes it: JSON has no NaN or infinities. */
export function firestoreDoubleJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}
