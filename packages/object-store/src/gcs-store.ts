import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { GetFilesOptions, Storage } from '@google-cloud/storage';
import { type RetryOptions, withRetry } from '@lakestream/config';
import {
  GenerationMismatchError,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectStoreError,
} from './errors.js';
import { validateKey, validatePrefix } from './keys.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';
import { createStorageClient } from './storage-client.js';

/** Options of `createGcsStore`. */
export interface GcsStoreOptions {
  /** The bucket; it must exist. */
  bucket: string;
  /** Key prefix inside the bucket (`lake` → keys live under `gs://bucket/lake/`); default none. */
  prefix?: string;
  /** fake-gcs-server address; see `createStorageClient`. */
  emulatorHost?: string;
  /** Project id; see `createStorageClient`. */
  projectId?: string;
  /** How transient failures (network, 408, 429, 5xx) are retried. */
  retry?: RetryOptions;
  /** Objects per listing page; default 1000 (the API's maximum). */
  pageSize?: number;
  /** A client to use instead of making one (its retry settings are then the caller's). */
  storage?: Storage;
}

// Node and gaxios network failures: the request may not have reached the server, or its answer
// was lost. Either way another attempt can succeed.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);
// The library's integrity checks: the bytes were damaged in transit, so another try can succeed.
const INTEGRITY_CODES = new Set(['CONTENT_DOWNLOAD_MISMATCH', 'FILE_NO_UPLOAD']);

interface ClientError {
  code?: unknown;
  name?: unknown;
  type?: unknown;
  message?: unknown;
}

/** The HTTP status of a client error, when the server answered. */
function httpStatus(err: unknown): number | undefined {
  const code = (err as ClientError | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps a client failure to the store's error: network failures, 408, 429 and 5xx are
 * `LS_STORE_UNAVAILABLE` (retryable); any other 4xx is `LS_STORE_REQUEST_FAILED` (not).
 * 404 and 412 are decided by the caller, which knows what they mean for its operation.
 */
export function classifyGcsError(err: unknown, operation: string, key: string): ObjectStoreError {
  if (err instanceof ObjectStoreError) return err;
  const e = (err ?? {}) as ClientError;
  const status = httpStatus(err);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const details = { operation, key, status, clientCode: code };
  const what = `${operation} '${key}'`;
  if (status !== undefined) {
    const retryable = status === 408 || status === 429 || status >= 500;
    return new ObjectStoreError(
      retryable ? 'LS_STORE_UNAVAILABLE' : 'LS_STORE_REQUEST_FAILED',
      `${what} failed with HTTP ${status}: ${String(e.message ?? '')}`,
      { cause: err, retryable, details },
    );
  }
  const network =
    (code !== undefined && (NETWORK_CODES.has(code) || INTEGRITY_CODES.has(code))) ||
    e.name === 'FetchError' ||
    e.name === 'AbortError' ||
    e.type === 'system';
  return new ObjectStoreError(
    network ? 'LS_STORE_UNAVAILABLE' : 'LS_STORE_REQUEST_FAILED',
    `${what} failed: ${String(e.message ?? err)}`,
    { cause: err, retryable: network, details },
  );
}

function md5Base64(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

/**
 * An object store in a Google Cloud Storage bucket (or fake-gcs-server). Uploads are single
 * requests (`resumable: false`): an object appears whole when the request completes, or not at
 * all. The library's own retries are off; each call is retried here by one policy.
 */
export function createGcsStore(options: GcsStoreOptions): ObjectStore {
  const storage =
    options.storage ??
    createStorageClient({
      ...(options.emulatorHost === undefined ? {} : { emulatorHost: options.emulatorHost }),
      ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    });
  const bucket = storage.bucket(options.bucket);
  const base = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const location = base === '' ? `gs://${options.bucket}` : `gs://${options.bucket}/${base}`;
  const pageSize = options.pageSize ?? 1000;
  const nameOf = (key: string) => (base === '' ? key : `${base}/${key}`);
  const keyOf = (name: string) => (base === '' ? name : name.slice(base.length + 1));

  function retry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry((attempt) => fn(attempt), options.retry);
  }

  return {
    location,
    uri(key) {
      validateKey(key);
      return `gs://${options.bucket}/${nameOf(key)}`;
    },

    async put(key, body, putOptions = {}) {
      validateKey(key);
      const file = bucket.file(nameOf(key));
      await retry(async (attempt) => {
        try {
          await file.save(body, {
            resumable: false,
            ...(putOptions.contentType === undefined
              ? {}
              : { contentType: putOptions.contentType }),
            ...(putOptions.ifNotExists ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
          });
        } catch (err) {
          if (putOptions.ifNotExists && httpStatus(err) === 412) {
            // A retry of a create whose first answer was lost finds its own object: same bytes.
            if (attempt > 1) {
              const [metadata] = await file.getMetadata().catch(() => [undefined]);
              if (metadata?.md5Hash === md5Base64(body)) return;
            }
            throw new ObjectExistsError(key, location, err);
          }
          throw classifyGcsError(err, 'put', key);
        }
      });
    },

    async get(key) {
      validateKey(key);
      const file = bucket.file(nameOf(key));
      return retry(async () => {
        try {
          const [body] = await file.download();
          return body;
        } catch (err) {
          if (httpStatus(err) === 404) throw new ObjectNotFoundError(key, location, err);
          throw classifyGcsError(err, 'get', key);
        }
      });
    },

    async getStream(key) {
      validateKey(key);
      const file = bucket.file(nameOf(key));
      await retry(async () => {
        try {
          await file.getMetadata();
        } catch (err) {
          if (httpStatus(err) === 404) throw new ObjectNotFoundError(key, location, err);
          throw classifyGcsError(err, 'getStream', key);
        }
      });
      const source = file.createReadStream();
      const stream = new PassThrough({ highWaterMark: 1 << 20 });
      source.on('error', (err) => {
        stream.destroy(
          httpStatus(err) === 404
            ? new ObjectNotFoundError(key, location, err)
            : classifyGcsError(err, 'getStream', key),
        );
      });
      stream.on('close', () => source.destroy());
      return source.pipe(stream);
    },

    async *list(prefix = '') {
      validatePrefix(prefix);
      let query: GetFilesOptions | null = {
        prefix: nameOf(prefix),
        maxResults: pageSize,
        autoPaginate: false,
      };
      while (query !== null) {
        const current: GetFilesOptions = query;
        const [files, next] = await retry(async () => {
          try {
            return await bucket.getFiles(current);
          } catch (err) {
            throw classifyGcsError(err, 'list', prefix);
          }
        });
        for (const file of files) {
          const info: ObjectInfo = { key: keyOf(file.name), size: Number(file.metadata.size ?? 0) };
          if (file.metadata.updated) info.updated = new Date(file.metadata.updated);
          if (file.metadata.generation !== undefined)
            info.generation = String(file.metadata.generation);
          yield info;
        }
        const token = (next as GetFilesOptions | null | undefined)?.pageToken;
        query = token ? { ...current, pageToken: token } : null;
      }
    },

    async delete(key, deleteOptions = {}) {
      validateKey(key);
      const generation = deleteOptions.ifGenerationMatch;
      // The precondition (GCS answers 412), and the version named outright (404 when it is not the
      // live one): fake-gcs-server honours only the latter.
      const file = bucket.file(nameOf(key), generation === undefined ? {} : { generation });
      await retry(async (attempt) => {
        try {
          await file.delete(generation === undefined ? {} : { ifGenerationMatch: generation });
        } catch (err) {
          const status = httpStatus(err);
          // A retry of a delete whose first answer was lost finds nothing: it is done.
          if (status === 404 && (generation === undefined || attempt > 1)) return;
          if (status === 404 || status === 412)
            throw new GenerationMismatchError(key, generation!, location, err);
          throw classifyGcsError(err, 'delete', key);
        }
      });
    },

    async healthcheck() {
      await retry(async () => {
        try {
          await bucket.getMetadata();
        } catch (err) {
          if (httpStatus(err) === 404) {
            throw new ObjectStoreError(
              'LS_STORE_REQUEST_FAILED',
              `bucket '${options.bucket}' does not exist`,
              { cause: err, details: { bucket: options.bucket } },
            );
          }
          throw classifyGcsError(err, 'healthcheck', options.bucket);
        }
      });
    },
  };
}
