/**
 * Where `gcs-load` reads: the JSON-lines objects under a prefix – a `gs://bucket/path` URI, a
 * `file:///abs/path` URI, or a key prefix in the lake – listed in key order, with the
 * generation of each (which version of the key it is), so a load can say exactly what it read.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createGcsStore,
  createLocalStore,
  type ObjectInfo,
  type ObjectStore,
} from '@lakestream/object-store';
import { LoaderError } from './errors.js';

/** The names `gcs-load` takes: JSON lines, optionally gzip-compressed. */
export const JSON_LINES_OBJECT = /\.(json|jsonl|ndjson)(\.gz)?$/;

/** The objects of one prefix: the store they are in and each one's listing. */
export interface GcsLoadSource {
  store: ObjectStore;
  objects: ObjectInfo[];
}

/**
 * Lists the JSON-lines objects under `prefix`; other objects there are ignored. Throws
 * `LS_LOADER_GCS_LOAD_INVALID` when there is none.
 */
export async function listGcsLoadSource(
  prefix: string,
  lake: ObjectStore,
  options: { storageEmulatorHost?: string } = {},
): Promise<GcsLoadSource> {
  const { store, keyPrefix } = locate(prefix, lake, options);
  const objects: ObjectInfo[] = [];
  for await (const info of store.list(keyPrefix)) {
    if (JSON_LINES_OBJECT.test(info.key)) objects.push(info);
  }
  if (objects.length === 0) {
    throw new LoaderError(
      'LS_LOADER_GCS_LOAD_INVALID',
      `no .json, .jsonl or .ndjson object (optionally .gz) under ${prefix}`,
    );
  }
  return { store, objects };
}

function locate(
  prefix: string,
  lake: ObjectStore,
  options: { storageEmulatorHost?: string },
): { store: ObjectStore; keyPrefix: string } {
  const gs = /^gs:\/\/([^/]+)\/?(.*)$/.exec(prefix);
  if (gs) {
    const emulator = options.storageEmulatorHost;
    return {
      store: createGcsStore({
        bucket: gs[1]!,
        prefix: '',
        ...(emulator === undefined ? {} : { emulatorHost: emulator }),
      }),
      keyPrefix: gs[2]!,
    };
  }
  if (prefix.startsWith('file:')) {
    // The store is the prefix's folder (the prefix itself when it names one): a listing never
    // walks more than it.
    const path = fileURLToPath(prefix);
    const folder = path.endsWith('/') || isFolder(path) ? path : dirname(path);
    return {
      store: createLocalStore(folder),
      keyPrefix: path.slice(folder.replace(/\/?$/, '/').length),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(prefix)) {
    throw new LoaderError(
      'LS_LOADER_GCS_LOAD_INVALID',
      `URI_PREFIX must be gs://…, file://… or a key prefix in the lake, got ${prefix}`,
    );
  }
  return { store: lake, keyPrefix: prefix.replace(/^\/+/, '') };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
