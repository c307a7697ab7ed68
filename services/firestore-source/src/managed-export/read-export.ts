import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isObjectNotFound,
  type ObjectStore,
  openObjectStore,
  parseStoreUrl,
} from '@lakestream/object-store';
import { collectionOf, decodeEntity, EntityError } from './entity.js';
import { ManagedExportError } from './errors.js';
import { discoverLayout, type ExportLayout } from './layout.js';
import { readLogRecords } from './log-reader.js';
import type { ExportDocument, ExportFacts, ReadManagedExportOptions } from './types.js';

const OVERALL = '.overall_export_metadata';

/** The store and key prefix a location names, or one local output file. */
interface Resolved {
  store: ObjectStore;
  prefix: string;
  singleFile: string | null;
}

async function resolveLocation(
  location: string,
  options: Pick<ReadManagedExportOptions, 'emulatorHost' | 'store'>,
): Promise<Resolved> {
  if (options.store !== undefined) {
    const key = location.replace(/^\/+|\/+$/g, '');
    const folder = key.endsWith(OVERALL) ? key.slice(0, key.lastIndexOf('/') + 1) : key;
    return {
      store: options.store,
      prefix: folder === '' || folder.endsWith('/') ? folder : `${folder}/`,
      singleFile: null,
    };
  }
  const parsed = parseStoreUrl(location);
  const open = (url: string) =>
    openObjectStore(
      url,
      options.emulatorHost === undefined ? {} : { emulatorHost: options.emulatorHost },
    );
  if (parsed.kind === 'gcs') {
    const folder = parsed.prefix.endsWith(OVERALL)
      ? parsed.prefix.slice(0, Math.max(0, parsed.prefix.lastIndexOf('/')))
      : parsed.prefix;
    return { store: open(`gs://${parsed.bucket}/${folder}`), prefix: '', singleFile: null };
  }
  const info = await stat(parsed.root).catch(() => null);
  if (info?.isFile()) {
    // A metadata file names its export's folder; any other file is read as one output file.
    if (parsed.root.endsWith(OVERALL))
      return { store: open(dirname(parsed.root)), prefix: '', singleFile: null };
    return { store: open(dirname(parsed.root)), prefix: '', singleFile: basename(parsed.root) };
  }
  return { store: open(parsed.root), prefix: '', singleFile: null };
}

/** A store URI as the reader reports files: `gs://…` as is, a local file as its path. */
function fileName(store: ObjectStore, key: string): string {
  const uri = store.uri(key);
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

async function layoutOf(resolved: Resolved): Promise<ExportLayout> {
  if (resolved.singleFile === null) {
    const layout = await discoverLayout(resolved.store, resolved.prefix);
    layout.facts.files = layout.outputs.map((o) => fileName(resolved.store, o.key));
    return layout;
  }
  const file = fileName(resolved.store, resolved.singleFile);
  return {
    facts: { name: null, startTime: null, endTime: null, kinds: [], files: [file] },
    outputs: [{ key: resolved.singleFile, kind: null }],
    warnings: [],
  };
}

/**
 * Every document of the managed export at `location`, file by file in the metadata's order:
 * a local folder or `file://` URL, `gs://bucket/prefix` (or, with `options.store`, a key prefix in
 * that store) holding the export, its `*.overall_export_metadata` file, or one output file. Memory
 * is bounded by a read chunk and the largest record, whatever the export's size. Bad records go to
 * `onBadRecord` and the reader goes on; a missing or unreadable export throws a
 * `ManagedExportError` (or the store's `ObjectStoreError`).
 */
export async function* readManagedExport(
  location: string,
  options: ReadManagedExportOptions,
): AsyncGenerator<ExportDocument> {
  const { signal, onBadRecord } = options;
  signal?.throwIfAborted();
  const resolved = await resolveLocation(location, options);
  const layout = await layoutOf(resolved);
  for (const { key, code, message } of layout.warnings)
    options.onWarning?.({ file: fileName(resolved.store, key), code, message });
  options.onFacts?.(layout.facts);
  const kinds = options.kinds === undefined ? null : new Set(options.kinds);
  for (const output of layout.outputs) {
    if (kinds !== null && output.kind !== null && !kinds.has(output.kind)) continue;
    const file = fileName(resolved.store, output.key);
    const stream = await resolved.store.getStream(output.key).catch((err: unknown) => {
      if (!isObjectNotFound(err)) throw err;
      throw new ManagedExportError(
        'LS_MANAGED_EXPORT_OUTPUT_MISSING',
        `output file '${file}', named by the export's metadata, is not there`,
        { cause: err, details: { file } },
      );
    });
    try {
      for await (const event of readLogRecords(stream)) {
        signal?.throwIfAborted();
        if (event.kind === 'damage') {
          const { class: cls, offset, message, raw, skipped } = event;
          onBadRecord({
            class: cls,
            file,
            offset,
            path: null,
            message,
            raw,
            ...(skipped === undefined ? {} : { skipped }),
          });
          continue;
        }
        let doc: { path: string; fields: Record<string, unknown> };
        try {
          doc = decodeEntity(event.data);
        } catch (err) {
          if (!(err instanceof EntityError)) throw err;
          onBadRecord({
            class: err.class_,
            file,
            offset: event.offset,
            path: err.path,
            message: err.message,
            raw: Buffer.from(event.data),
          });
          continue;
        }
        if (kinds !== null && output.kind === null && !kinds.has(collectionOf(doc.path))) continue;
        yield { path: doc.path, fields: doc.fields, file, offset: event.offset };
      }
    } finally {
      stream.destroy();
    }
  }
}

/** The export's facts (name, start/end time, kinds, output files) without reading documents. */
export async function readExportFacts(
  location: string,
  options: Pick<ReadManagedExportOptions, 'emulatorHost' | 'store'> = {},
): Promise<ExportFacts> {
  return (await layoutOf(await resolveLocation(location, options))).facts;
}
