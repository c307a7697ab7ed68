import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  access,
  constants,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { type RetryOptions, withRetry } from '@lakestream/config';
import {
  GenerationMismatchError,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectStoreError,
} from './errors.js';
import { compareKeys, TEMP_FILE_PREFIX, validateKey, validatePrefix } from './keys.js';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.js';

/** Options of `createLocalStore`. */
export interface LocalStoreOptions {
  /** How transient file-system errors (EAGAIN, EBUSY, EMFILE, …) are retried. */
  retry?: RetryOptions;
  /**
   * Fault injection for tests: runs after the temp file is written and fsync'd, before it is
   * renamed into place – the window an atomic write must survive a crash in.
   */
  faults?: { afterTempWrite?: (tempPath: string) => Promise<void> | void };
}

// Read size of `getStream`: large enough that a reader of a big object pays few calls.
const STREAM_CHUNK_BYTES = 1 << 20;

// Errors that can go away by themselves: resource exhaustion and interrupted calls.
const TRANSIENT_FS_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR', 'ETIMEDOUT']);
// The key names no file: absent, or a folder of other keys (a prefix, not an object).
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function fsCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ioError(err: unknown, operation: string, key: string): ObjectStoreError {
  if (err instanceof ObjectStoreError) return err;
  const code = fsCode(err);
  return new ObjectStoreError(
    'LS_STORE_IO',
    `${operation} '${key}' failed: ${code ?? String(err)}`,
    {
      cause: err,
      retryable: code !== undefined && TRANSIENT_FS_CODES.has(code),
      details: { operation, key, fsCode: code },
    },
  );
}

/** fsync of a folder, so the names created in or removed from it survive a power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A temp name in the object's own folder (rename is atomic only within one file system). */
function tempPathFor(path: string): string {
  // NAME_MAX is 255 bytes; keep the object's name for debugging but never overflow it.
  const name = `${TEMP_FILE_PREFIX}${randomUUID()}-${basename(path)}`;
  return join(
    dirname(path),
    Buffer.from(name)
      .subarray(0, 255)
      .toString('utf8')
      .replace(/\uFFFD+$/, ''),
  );
}

/**
 * An object store in a local folder: key `a/b/c` is the file `<root>/a/b/c`.
 *
 * `put` is atomic and durable: the body goes to a temp file in the object's folder (named
 * `.lakestream-tmp-…`, never listed), which is fsync'd, renamed over the object's name (or
 * hard-linked, for `ifNotExists`), and the folder is fsync'd. A reader or a crash at any moment
 * sees the old object or the new one, never part of one; a crash may leave a temp file behind,
 * which no listing shows. Content types are not kept. A key cannot also be a folder of other
 * keys here (`a` and `a/b` cannot both exist), unlike GCS.
 */
export function createLocalStore(root: string, options: LocalStoreOptions = {}): ObjectStore {
  const base = resolve(root);
  const location = pathToFileURL(base).href;
  const knownDirs = new Set<string>();
  const retry = (fn: () => Promise<void>): Promise<void> => withRetry(fn, options.retry);

  function pathOf(key: string): string {
    return join(base, ...key.split('/'));
  }

  /** mkdir -p, fsync'ing the parent of each folder it creates so the new names are durable. */
  async function ensureDir(dir: string): Promise<void> {
    if (knownDirs.has(dir)) return;
    const firstCreated = await mkdir(dir, { recursive: true });
    if (firstCreated !== undefined) {
      for (let created = dir; ; created = dirname(created)) {
        await syncDir(dirname(created));
        if (created === firstCreated || created === base) break;
      }
    }
    knownDirs.add(dir);
  }

  async function writeTemp(path: string, body: Buffer): Promise<string> {
    const dir = dirname(path);
    await ensureDir(dir);
    const temp = tempPathFor(path);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(temp, 'wx', 0o644);
    } catch (err) {
      // The folder went away under us (removed by hand or by a cleanup): forget it and retry.
      if (fsCode(err) !== 'ENOENT') throw err;
      knownDirs.delete(dir);
      await ensureDir(dir);
      handle = await open(temp, 'wx', 0o644);
    }
    try {
      await handle.writeFile(body);
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => {});
      await unlink(temp).catch(() => {});
      throw err;
    }
    await handle.close();
    return temp;
  }

  async function putOnce(key: string, body: Buffer, putOptions: PutOptions): Promise<void> {
    const path = pathOf(key);
    const temp = await writeTemp(path, body);
    await options.faults?.afterTempWrite?.(temp);
    try {
      if (putOptions.ifNotExists) {
        // link(2) fails with EEXIST instead of replacing: an atomic create-if-absent.
        await link(temp, path);
        await unlink(temp);
      } else {
        await rename(temp, path);
      }
    } catch (err) {
      await unlink(temp).catch(() => {});
      if (putOptions.ifNotExists && fsCode(err) === 'EEXIST') {
        throw new ObjectExistsError(key, location, err);
      }
      throw err;
    }
    await syncDir(dirname(path));
  }

  async function* walk(dir: string, keyPrefix: string): AsyncGenerator<string> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (ABSENT_CODES.has(fsCode(err) ?? '')) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_FILE_PREFIX)) continue;
      const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
      if (entry.isDirectory()) yield* walk(join(dir, entry.name), key);
      else if (entry.isFile()) yield key;
    }
  }

  return {
    location,
    uri(key) {
      validateKey(key);
      return pathToFileURL(pathOf(key)).href;
    },

    async put(key, body, putOptions = {}) {
      validateKey(key);
      await retry(async () => {
        try {
          await putOnce(key, body, putOptions);
        } catch (err) {
          throw ioError(err, 'put', key);
        }
      });
    },

    async get(key) {
      validateKey(key);
      let body: Buffer | undefined;
      await retry(async () => {
        try {
          body = await readFile(pathOf(key));
        } catch (err) {
          if (ABSENT_CODES.has(fsCode(err) ?? ''))
            throw new ObjectNotFoundError(key, location, err);
          throw ioError(err, 'get', key);
        }
      });
      return body!;
    },

    async getStream(key) {
      validateKey(key);
      let handle: FileHandle | undefined;
      await retry(async () => {
        try {
          handle = await open(pathOf(key), 'r');
        } catch (err) {
          if (ABSENT_CODES.has(fsCode(err) ?? ''))
            throw new ObjectNotFoundError(key, location, err);
          throw ioError(err, 'getStream', key);
        }
      });
      const source = handle!.createReadStream({ highWaterMark: STREAM_CHUNK_BYTES });
      const stream = new PassThrough({ highWaterMark: STREAM_CHUNK_BYTES });
      source.on('error', (err) => stream.destroy(ioError(err, 'getStream', key)));
      stream.on('close', () => source.destroy());
      return source.pipe(stream);
    },

    async *list(prefix = '') {
      validatePrefix(prefix);
      // Walk only the deepest folder the prefix names in full; filter the rest by string prefix.
      const slash = prefix.lastIndexOf('/');
      const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
      const dir = dirKey === '' ? base : pathOf(dirKey);
      const found: ObjectInfo[] = [];
      try {
        for await (const key of walk(dir, dirKey)) {
          if (!key.startsWith(prefix)) continue;
          try {
            const stats = await lstat(pathOf(key), { bigint: true });
            found.push({
              key,
              size: Number(stats.size),
              updated: stats.mtime,
              generation: String(stats.ino),
            });
          } catch (err) {
            // Deleted between readdir and stat: it is simply no longer there.
            if (!ABSENT_CODES.has(fsCode(err) ?? '')) throw err;
          }
        }
      } catch (err) {
        throw ioError(err, 'list', prefix);
      }
      found.sort((a, b) => compareKeys(a.key, b.key));
      yield* found;
    },

    async delete(key, deleteOptions = {}) {
      validateKey(key);
      const generation = deleteOptions.ifGenerationMatch;
      await retry(async () => {
        const path = pathOf(key);
        try {
          // Every write is a new file (rename or link of a fresh temp file): a new inode.
          if (generation !== undefined) {
            const stats = await lstat(path, { bigint: true }).catch((err: unknown) => {
              if (ABSENT_CODES.has(fsCode(err) ?? '')) return undefined;
              throw err;
            });
            if (stats === undefined || String(stats.ino) !== generation)
              throw new GenerationMismatchError(key, generation, location);
          }
          await unlink(path);
        } catch (err) {
          // EPERM: Linux reports unlink(2) of a folder so; a folder is a prefix, not an object.
          const code = fsCode(err) ?? '';
          if (ABSENT_CODES.has(code) || code === 'EPERM') return;
          throw ioError(err, 'delete', key);
        }
        try {
          await syncDir(dirname(path));
        } catch (err) {
          throw ioError(err, 'delete', key);
        }
      });
    },

    async healthcheck() {
      try {
        await mkdir(base, { recursive: true });
        await access(base, constants.W_OK);
      } catch (err) {
        throw ioError(err, 'healthcheck', base);
      }
    },
  };
}
