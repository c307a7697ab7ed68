import { ObjectStoreError } from './errors.js';

/** Longest key GCS accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Names of the local folder's in-progress writes start with this. Keys may not contain a segment
 * starting with it, so a listing can tell a temp file from an object by its name alone.
 */
export const TEMP_FILE_PREFIX = '.lakestream-tmp-';

function invalid(key: string, why: string): ObjectStoreError {
  return new ObjectStoreError('LS_STORE_INVALID_KEY', `invalid object key '${key}': ${why}`, {
    details: { key, reason: why },
  });
}

/**
 * Throws `LS_STORE_INVALID_KEY` unless `key` is a portable object key: a `/`-separated relative
 * path with no empty, `.` or `..` segment, no NUL or control character, no backslash, no segment
 * starting with the local folder's temp-file prefix, at most 1024 UTF-8 bytes.
 */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw invalid(String(key), 'empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw invalid(key, `longer than ${MAX_KEY_BYTES} bytes`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(key)) throw invalid(key, 'contains a control character');
  if (key.includes('\\')) throw invalid(key, 'contains a backslash');
  for (const segment of key.split('/')) {
    if (segment === '') throw invalid(key, 'empty path segment (leading, trailing or double /)');
    if (segment === '.' || segment === '..') throw invalid(key, `'${segment}' segment`);
    if (segment.startsWith(TEMP_FILE_PREFIX)) {
      throw invalid(key, `segment starts with the reserved '${TEMP_FILE_PREFIX}'`);
    }
  }
}

/** Validates a list prefix: empty, or a key-like string that may end with `/`. */
export function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** Orders keys by their UTF-8 bytes, the order GCS lists in (differs from `<` beyond the BMP). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
