/**
 * The official Cloud Firestore emulator as a second, Google-written reader and writer of managed
 * exports: `:import` a fixture and read it back with @google-cloud/firestore, or `:export` what
 * the client wrote. Values read through the client are mapped to the lake's value JSON here, from
 * the client's own types, independently of the reader under test.
 */
import { randomUUID } from 'node:crypto';
import {
  type CollectionReference,
  DocumentReference,
  Firestore,
  GeoPoint,
  Timestamp,
} from '@google-cloud/firestore';

/** The emulator's `host:port`, from the devstack environment. */
export function emulatorHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host)
    throw new Error('FIRESTORE_EMULATOR_HOST is not set: the firestore devstack service is needed');
  return host;
}

/** A fresh project id, so tests never see each other's documents. */
export function freshProject(): string {
  return `ls-me-${randomUUID().slice(0, 8)}`;
}

/** A client for `project` on the emulator; integers come back as bigint, so int64 stays exact. */
export function client(project: string): Firestore {
  return new Firestore({ projectId: project, host: emulatorHost(), ssl: false, useBigInt: true });
}

async function call(project: string, verb: 'import' | 'export', body: object): Promise<void> {
  const response = await fetch(`http://${emulatorHost()}/emulator/v1/projects/${project}:${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ database: `projects/${project}/databases/(default)`, ...body }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator :${verb} answered ${response.status}: ${text}`);
}

/** Imports the export whose overall metadata is `metadataFile` into `project`. */
export function emulatorImport(project: string, metadataFile: string): Promise<void> {
  return call(project, 'import', { export_directory: metadataFile });
}

/** Exports `project` to `dir/name` (the all_kinds layout, the only one the emulator writes). */
export function emulatorExport(project: string, dir: string, name: string): Promise<void> {
  return call(project, 'export', { export_directory: dir, export_name: name });
}

/** `__id7__` (how Firestore names a numeric id) → `7`, as managed exports key it. */
function plainPath(path: string): string {
  return path
    .split('/')
    .map((s) => /^__id([1-9][0-9]*)__$/.exec(s)?.[1] ?? s)
    .join('/');
}

/** A value read by the client, in the lake's value JSON. */
export function clientValueJson(value: unknown): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') {
    return value >= -(2n ** 53n - 1n) && value <= 2n ** 53n - 1n ? Number(value) : String(value);
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return value;
  }
  if (value instanceof Timestamp) {
    const iso = new Date(value.seconds * 1000).toISOString().slice(0, 19);
    return `${iso}.${String(Math.floor(value.nanoseconds / 1000)).padStart(6, '0')}Z`;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof GeoPoint) return { latitude: value.latitude, longitude: value.longitude };
  if (value instanceof DocumentReference) return plainPath(value.path);
  if (Array.isArray(value)) return value.map(clientValueJson);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clientValueJson(v)]));
  }
  throw new Error(`unexpected client value ${String(value)}`);
}

/** Every existing document of the project, read through the client. */
export async function readAllWithClient(
  db: Firestore,
): Promise<Array<{ path: string; fields: Record<string, unknown> }>> {
  const out: Array<{ path: string; fields: Record<string, unknown> }> = [];
  async function walk(collections: CollectionReference[]): Promise<void> {
    for (const collection of collections) {
      for (const ref of await collection.listDocuments()) {
        const snap = await ref.get();
        if (snap.exists) {
          out.push({
            path: plainPath(ref.path),
            fields: clientValueJson(snap.data()) as Record<string, unknown>,
          });
        }
        await walk(await ref.listCollections());
      }
    }
  }
  await walk(await db.listCollections());
  return out;
}
