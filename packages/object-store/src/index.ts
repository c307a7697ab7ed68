export {
  GenerationMismatchError,
  isGenerationMismatch,
  isObjectExists,
  isObjectNotFound,
  OBJECT_STORE_ERROR_CODES,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectStoreError,
  type ObjectStoreErrorCode,
} from './errors.js';
export { classifyGcsError, createGcsStore, type GcsStoreOptions } from './gcs-store.js';
export { compareKeys, MAX_KEY_BYTES, TEMP_FILE_PREFIX, validateKey } from './keys.js';
export { createLocalStore, type LocalStoreOptions } from './local-store.js';
export {
  type DeleteOptions,
  listAll,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';
export {
  type OpenStoreOptions,
  openObjectStore,
  parseStoreUrl,
  type StoreLocation,
} from './open-store.js';
export {
  createStorageClient,
  emulatorOrigin,
  type StorageClientOptions,
} from './storage-client.js';
export { storeUrlVar } from './store-url-var.js';
