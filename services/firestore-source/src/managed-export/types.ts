import type { ObjectStore } from '@lakestream/object-store';
import type { ManagedExportErrorCode } from './errors.js';

/** One document read from a managed export. */
export interface ExportDocument {
  /** The document path relative to the database: `teams/t1/reports/r1`. */
  path: string;
  /** Top-level fields, values in the JSON encoding of `@lakestream/lake`'s firestore contract. */
  fields: Record<string, unknown>;
  /** The output file it came from (`gs://…` or an absolute local path). */
  file: string;
  /** Byte offset in that file of the record's first fragment header. */
  offset: number;
}

/** The classes of bad input the reader counts, reports and skips. */
export const BAD_EXPORT_RECORD_CLASSES = [
  /** A fragment's masked CRC32C does not match its type and data. */
  'crc_mismatch',
  /** A record cut by the end of the file, or a FIRST/MIDDLE/LAST sequence that is broken. */
  'truncated',
  /** A Property meaning or PropertyValue field the reader does not know. */
  'unknown_property_type',
  /** A record that is not a parseable EntityProto (no key, malformed wire bytes, an unknown fragment type). */
  'bad_entity',
] as const;

/** One of `BAD_EXPORT_RECORD_CLASSES`. */
export type BadExportRecordClass = (typeof BAD_EXPORT_RECORD_CLASSES)[number];

/** A record the reader skipped, with where it was. */
export interface BadExportRecord {
  class: BadExportRecordClass;
  /** The output file (`gs://…` or an absolute local path). */
  file: string;
  /** Byte offset in that file where the bad record (or bad fragment) starts. */
  offset: number;
  /** The document path, when the key could still be read. */
  path: string | null;
  /** What was wrong, for a person. */
  message: string;
  /** The record's bytes as read (reassembled data or the damaged fragment), when there are any. */
  raw: Buffer | null;
  /** After a crc_mismatch: the bytes `[start, end)` left unread, from the fragment to its block's end. */
  skipped?: { start: number; end: number };
}

/** Something wrong with an export's metadata that the reader worked around (not fatal). */
export interface ExportWarning {
  /** The metadata file (`gs://…` or an absolute local path). */
  file: string;
  /** `LS_MANAGED_EXPORT_METADATA_INVALID` or `LS_MANAGED_EXPORT_METADATA_INCOMPLETE`. */
  code: Extract<
    ManagedExportErrorCode,
    'LS_MANAGED_EXPORT_METADATA_INVALID' | 'LS_MANAGED_EXPORT_METADATA_INCOMPLETE'
  >;
  /** What was wrong and what the reader did instead, for a person. */
  message: string;
}

/** Export-level facts from `export_metadata` (absent when the export has none). */
export interface ExportFacts {
  /** The export's name as its metadata gives it. */
  name: string | null;
  /** When the export started (UTC, µs precision as an ISO string with 6 digits). */
  startTime: string | null;
  /** When the export finished. */
  endTime: string | null;
  /** The collections (kinds) it holds, when the layout names them (`kind_<collection>` folders). */
  kinds: string[];
  /** The output files, in the order they are read. */
  files: string[];
}

/** Options of `readManagedExport`. */
export interface ReadManagedExportOptions {
  /** Called for each bad record; the reader then resyncs and goes on. */
  onBadRecord: (bad: BadExportRecord) => void;
  /** Only these collections (kinds); for the all_kinds layout, filters by the key's kind. */
  kinds?: string[];
  /** Stops reading (the iterator then throws the signal's reason). */
  signal?: AbortSignal;
  /** Called for each metadata problem the reader worked around, before the first document. */
  onWarning?: (warning: ExportWarning) => void;
  /** Called once the layout is known, before the first document. */
  onFacts?: (facts: ExportFacts) => void;
  /** fake-gcs-server for `gs://` locations; default the environment's STORAGE_EMULATOR_HOST. */
  emulatorHost?: string;
  /** Read from this store (the lake, say): `location` is then a key prefix in it. */
  store?: ObjectStore;
}
