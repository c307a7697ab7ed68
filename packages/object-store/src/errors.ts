import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/** The closed list of codes an object store throws. */
export const OBJECT_STORE_ERROR_CODES = [
  /** `get` of a key that holds no object. */
  'LS_STORE_NOT_FOUND',
  /** `put` with `ifNotExists` of a key that already holds an object. */
  'LS_STORE_ALREADY_EXISTS',
  /** `delete` with `ifGenerationMatch` of a key that holds another version of the object, or none. */
  'LS_STORE_GENERATION_MISMATCH',
  /** A key the stores refuse (empty, absolute, `..`, too long, …). */
  'LS_STORE_INVALID_KEY',
  /** A store URL that names no supported store. */
  'LS_STORE_INVALID_URL',
  /** The store did not answer or answered 408/429/5xx; retryable. */
  'LS_STORE_UNAVAILABLE',
  /** The store refused the request (4xx other than 404/408/412/429): permissions, bad bucket, … */
  'LS_STORE_REQUEST_FAILED',
  /** A local file-system operation failed. */
  'LS_STORE_IO',
] as const;

/** One of `OBJECT_STORE_ERROR_CODES`. */
export type ObjectStoreErrorCode = (typeof OBJECT_STORE_ERROR_CODES)[number];

/** Any failure of an object store, with a stable code and a `retryable` flag. */
export class ObjectStoreError extends LakestreamError {
  declare readonly code: ObjectStoreErrorCode;

  constructor(code: ObjectStoreErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

/** `get` found no object under the key. Never retryable. */
export class ObjectNotFoundError extends ObjectStoreError {
  /** The key that was asked for. */
  readonly key: string;

  constructor(key: string, location: string, cause?: unknown) {
    super('LS_STORE_NOT_FOUND', `no object '${key}' in ${location}`, {
      cause,
      details: { key, location },
    });
    this.key = key;
  }
}

/** `put` with `ifNotExists` found an object already under the key. Never retryable. */
export class ObjectExistsError extends ObjectStoreError {
  /** The key that was written to. */
  readonly key: string;

  constructor(key: string, location: string, cause?: unknown) {
    super('LS_STORE_ALREADY_EXISTS', `object '${key}' already exists in ${location}`, {
      cause,
      details: { key, location },
    });
    this.key = key;
  }
}

/** `delete` with `ifGenerationMatch` found another version under the key, or none. Never retryable. */
export class GenerationMismatchError extends ObjectStoreError {
  /** The key that was to be deleted. */
  readonly key: string;

  constructor(key: string, generation: string, location: string, cause?: unknown) {
    super(
      'LS_STORE_GENERATION_MISMATCH',
      `object '${key}' in ${location} is no longer generation ${generation}`,
      { cause, details: { key, generation, location } },
    );
    this.key = key;
  }
}

/** True when `err` is (or duck-types as) an object store's generation-mismatch error. */
export function isGenerationMismatch(err: unknown): err is GenerationMismatchError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'LS_STORE_GENERATION_MISMATCH'
  );
}

/** True when `err` is (or duck-types as) an object store's not-found error. */
export function isObjectNotFound(err: unknown): err is ObjectNotFoundError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'LS_STORE_NOT_FOUND'
  );
}

/** True when `err` is (or duck-types as) an object store's already-exists error. */
export function isObjectExists(err: unknown): err is ObjectExistsError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'LS_STORE_ALREADY_EXISTS'
  );
}
