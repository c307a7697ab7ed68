import { Storage } from '@google-cloud/storage';

/** Options of `createStorageClient`. */
export interface StorageClientOptions {
  /**
   * fake-gcs-server (or another emulator) to talk to, as `host:port`, `http://host:port` or
   * `http://host:port/storage/v1`; absent means Google Cloud Storage itself.
   */
  emulatorHost?: string;
  /** Project id; defaults to `lakestream-local` against an emulator, else to the credentials'. */
  projectId?: string;
}

/** The emulator's origin (`http://host:port`) from any of the usual spellings. */
export function emulatorOrigin(host: string): string {
  return new URL(host.includes('://') ? host : `http://${host}`).origin;
}

/**
 * A `@google-cloud/storage` client with the library's own retries off (the object store retries,
 * with one policy for both stores) and the emulator quirk handled.
 *
 * The quirk: the library reads STORAGE_EMULATOR_HOST from the environment when a client is
 * constructed and uses it verbatim as the JSON API base (it must then end in `/storage/v1`),
 * while it sends uploads to `apiEndpoint` + `/upload/storage/v1`. The usual `http://host:port`
 * spelling therefore breaks reads, and `…/storage/v1` breaks uploads. Here the variable is set to
 * the form the library wants only for the duration of the constructor (it is not read again),
 * `apiEndpoint` gets the bare origin, and the caller's environment is left as it was. Without an
 * emulator the variable is hidden the same way, so a stray value cannot redirect a client meant
 * for the real service.
 */
export function createStorageClient(options: StorageClientOptions = {}): Storage {
  const previous = process.env.STORAGE_EMULATOR_HOST;
  const retryOptions = { autoRetry: false };
  try {
    if (options.emulatorHost === undefined || options.emulatorHost === '') {
      delete process.env.STORAGE_EMULATOR_HOST;
      return new Storage({
        retryOptions,
        ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
      });
    }
    const origin = emulatorOrigin(options.emulatorHost);
    process.env.STORAGE_EMULATOR_HOST = `${origin}/storage/v1`;
    return new Storage({
      apiEndpoint: origin,
      projectId: options.projectId ?? 'lakestream-local',
      retryOptions,
    });
  } finally {
    if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
    else process.env.STORAGE_EMULATOR_HOST = previous;
  }
}
