import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RetryOptions } from '@lakestream/config';
import { ObjectStoreError } from './errors.js';
import { createGcsStore } from './gcs-store.js';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';

/** Where a store URL points. */
export type StoreLocation =
  | { kind: 'local'; root: string }
  | { kind: 'gcs'; bucket: string; prefix: string };

/** Options of `openObjectStore`. */
export interface OpenStoreOptions {
  /** fake-gcs-server for `gs://` URLs; default the environment's STORAGE_EMULATOR_HOST. */
  emulatorHost?: string;
  /** GCS project id. */
  projectId?: string;
  /** Retry policy of every call. */
  retry?: RetryOptions;
  /** Folder a plain relative path is resolved against; default the working directory. */
  cwd?: string;
  /** Environment read for STORAGE_EMULATOR_HOST; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

// GCS bucket naming rules, the common form (no dotted domain-named buckets over 63 chars).
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

function invalidUrl(url: string, why: string): ObjectStoreError {
  return new ObjectStoreError('LS_STORE_INVALID_URL', `invalid store URL '${url}': ${why}`, {
    details: { url, reason: why },
  });
}

/**
 * Reads a store URL: `gs://bucket[/prefix]` → GCS; `file:///abs/path` or a plain path (absolute,
 * or relative to `cwd`) → local folder. Throws `LS_STORE_INVALID_URL` for anything else.
 */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const text = url.trim();
  if (text === '') throw invalidUrl(url, 'empty');
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  // A one-letter "scheme" is a Windows drive (C:\lake), i.e. a plain path.
  if (scheme === undefined || scheme.length === 1)
    return { kind: 'local', root: resolve(cwd, text) };
  if (scheme === 'file') {
    let root: string;
    try {
      root = fileURLToPath(text);
    } catch (err) {
      throw invalidUrl(url, `not an absolute file URL (${(err as Error).message})`);
    }
    return { kind: 'local', root: resolve(root) };
  }
  if (scheme === 'gs') {
    const match = /^gs:\/\/([^/]+)(?:\/(.*))?$/i.exec(text);
    const bucket = match?.[1] ?? '';
    if (!BUCKET.test(bucket)) {
      throw invalidUrl(url, `'${bucket}' is not a valid bucket name (3-63 of a-z 0-9 . _ -)`);
    }
    const prefix = (match?.[2] ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix.split('/').some((s) => s === '.' || s === '..' || (s === '' && prefix !== ''))) {
      throw invalidUrl(url, 'the prefix has an empty, . or .. segment');
    }
    return { kind: 'gcs', bucket, prefix };
  }
  throw invalidUrl(url, `unsupported scheme '${scheme}:' (use gs://bucket/prefix or a path)`);
}

/** Opens the store a URL names (see `parseStoreUrl`). */
export function openObjectStore(url: string, options: OpenStoreOptions = {}): ObjectStore {
  const location = parseStoreUrl(url, options.cwd);
  const retry = options.retry === undefined ? {} : { retry: options.retry };
  if (location.kind === 'local') return createLocalStore(location.root, retry);
  const emulatorHost = options.emulatorHost ?? (options.env ?? process.env).STORAGE_EMULATOR_HOST;
  return createGcsStore({
    bucket: location.bucket,
    prefix: location.prefix,
    ...(emulatorHost ? { emulatorHost } : {}),
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...retry,
  });
}
