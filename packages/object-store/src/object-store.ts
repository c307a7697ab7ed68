import type { Readable } from 'node:stream';

/** What `list` tells about one object. */
export interface ObjectInfo {
  /** The object's key, relative to the store's location. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** Last modification time, when the store knows it. */
  updated?: Date;
  /**
   * Which version of the key this is: GCS's object generation, the file's inode in the local
   * folder. A new write under the key gets another one; pass it to `delete` to remove only this
   * version.
   */
  generation?: string;
}

/** Options of `delete`. */
export interface DeleteOptions {
  /**
   * Remove the object only while the key still holds this version (`ObjectInfo.generation`);
   * otherwise fail with `LS_STORE_GENERATION_MISMATCH`. Atomic on GCS (`ifGenerationMatch`); in
   * the local folder the check and the unlink are two calls, with nothing able to come between
   * them but another process on the same machine.
   */
  ifGenerationMatch?: string;
}

/** Options of `put`. */
export interface PutOptions {
  /** MIME type recorded with the object (GCS); the local folder has nowhere to keep it. */
  contentType?: string;
  /**
   * Create only: fail with `ObjectExistsError` (`LS_STORE_ALREADY_EXISTS`) instead of replacing
   * an object already under the key. Atomic in both stores (GCS `ifGenerationMatch: 0`, a
   * hard link in the local folder), so of two writers racing for a key exactly one wins.
   */
  ifNotExists?: boolean;
}

/**
 * A flat namespace of immutable byte objects under `/`-separated keys, as GCS and a local folder
 * both provide it. Writes are atomic: a reader sees the whole new object or the old one (or
 * none), never a partial one. Transient failures are retried inside each call; what reaches the
 * caller is an `ObjectStoreError` with a stable code.
 *
 * Keys are `/`-separated relative paths: no empty, `.` or `..` segment, no leading or trailing
 * `/`, at most 1024 UTF-8 bytes (see `validateKey`). The same rules hold in every store, so a key
 * that works locally works on GCS.
 */
export interface ObjectStore {
  /** Where the store points: `gs://bucket/prefix` or `file:///abs/path`. */
  readonly location: string;
  /** The absolute URI of a key (`gs://bucket/prefix/key`, `file:///abs/path/key`). */
  uri(key: string): string;
  /** Writes `body` under `key`, replacing any object there (unless `ifNotExists`). */
  put(key: string, body: Buffer, options?: PutOptions): Promise<void>;
  /** The object's bytes; rejects with `ObjectNotFoundError` when there is none. */
  get(key: string): Promise<Buffer>;
  /**
   * The object's bytes as a stream, for objects too large to hold in memory. Resolves once the
   * object is open (rejects with `ObjectNotFoundError` when there is none; opening is retried like
   * any call); a failure while reading is an `ObjectStoreError` emitted on the stream and is not
   * retried, since the caller has already consumed part of the bytes.
   */
  getStream(key: string): Promise<Readable>;
  /**
   * Every object whose key starts with `prefix` (a plain string prefix, not only whole folders),
   * in ascending key order (by UTF-8 bytes, as GCS orders them). Pages through large listings.
   */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /**
   * Removes the object; succeeds when there is none (idempotent), unless `ifGenerationMatch`
   * names a version and the key holds another one or none.
   */
  delete(key: string, options?: DeleteOptions): Promise<void>;
  /** Resolves when the store is usable (bucket reachable / folder writable); for /readyz. */
  healthcheck(): Promise<void>;
}

/** Collects `store.list(prefix)` into an array (convenient for small listings and tests). */
export async function listAll(store: ObjectStore, prefix = ''): Promise<ObjectInfo[]> {
  const all: ObjectInfo[] = [];
  for await (const info of store.list(prefix)) all.push(info);
  return all;
}
