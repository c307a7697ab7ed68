/**
 * Reading a managed export three ways for the tests: with the reader under test, with the
 * independent Python reader (leveldb-export's RecordsReader + App Engine's EntityProto, run by the
 * venv devstack provides), and the value each fixture document should read as.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensurePythonTool } from '@lakestream/devstack';
import {
  type BadExportRecord,
  type ExportDocument,
  type ExportFacts,
  type ExportWarning,
  type ReadManagedExportOptions,
  readManagedExport,
} from '../../src/managed-export/index.js';
import type { FsDocument, FsValue } from './export-entity.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'read_export.py');

/** A document as both readers print it. */
export interface PlainDocument {
  path: string;
  fields: Record<string, unknown>;
}

/** Everything the reader under test gave. */
export interface OurRead {
  docs: ExportDocument[];
  bad: BadExportRecord[];
  facts: ExportFacts | null;
  warnings: ExportWarning[];
}

/** Reads `location` with the reader under test, collecting documents, bad records, facts, warnings. */
export async function readWithOurs(
  location: string,
  options: Omit<ReadManagedExportOptions, 'onBadRecord' | 'onFacts' | 'onWarning'> = {},
): Promise<OurRead> {
  const read: OurRead = { docs: [], bad: [], facts: null, warnings: [] };
  for await (const doc of readManagedExport(location, {
    ...options,
    onBadRecord: (bad) => read.bad.push(bad),
    onWarning: (warning) => read.warnings.push(warning),
    onFacts: (facts) => {
      read.facts = facts;
    },
  })) {
    read.docs.push(doc);
  }
  return read;
}

/** What the Python reader gave for `files`, in order. */
export interface PythonRead {
  docs: PlainDocument[];
  records: number;
  invalid: number;
  unknown: number;
}

/** Reads output files with the independent Python reader. */
export async function readWithPython(files: string[]): Promise<PythonRead> {
  const python = await ensurePythonTool('firestore-reader');
  const { stdout } = await promisify(execFile)(python, [SCRIPT, ...files], {
    maxBuffer: 512 * 1024 * 1024,
  });
  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines.pop()!) as Omit<PythonRead, 'docs'>;
  return { docs: lines.map((line) => JSON.parse(line) as PlainDocument), ...summary };
}

/** A JSON value with object keys sorted, so two readers' field orders do not matter. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Documents as comparable, order-free text: one canonical JSON per document, sorted. */
export function comparable(docs: PlainDocument[]): string[] {
  return docs.map((d) => JSON.stringify(canonical({ path: d.path, fields: d.fields }))).sort();
}

function timestampJson(micros: bigint): string {
  let seconds = micros / 1_000_000n;
  let rest = micros % 1_000_000n;
  if (rest < 0n) {
    rest += 1_000_000n;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${String(rest).padStart(6, '0')}Z`;
}

/** The JSON a fixture value should read as (written from the contract's rules, not the reader). */
export function expectedValue(value: FsValue): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(expectedValue);
  if ('int' in value) {
    return value.int >= -(2n ** 53n - 1n) && value.int <= 2n ** 53n - 1n
      ? Number(value.int)
      : value.int.toString();
  }
  if ('double' in value) {
    const d = value.double;
    if (Number.isNaN(d)) return 'NaN';
    if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
    return d;
  }
  if ('timestampMicros' in value) return timestampJson(value.timestampMicros);
  if ('bytes' in value) return value.bytes.toString('base64');
  if ('geo' in value) return value.geo;
  if ('ref' in value) return value.ref;
  if ('map' in value) {
    return Object.fromEntries(Object.entries(value.map).map(([k, v]) => [k, expectedValue(v)]));
  }
  throw new Error('a raw value has no expected reading');
}

/** The documents a fixture should read as. */
export function expectedDocs(docs: FsDocument[]): PlainDocument[] {
  return docs.map((d) => ({
    path: d.path,
    fields: Object.fromEntries(Object.entries(d.fields).map(([k, v]) => [k, expectedValue(v)])),
  }));
}
