import { BigQuery } from '@google-cloud/bigquery';
import type { ObjectStore } from '@lakestream/object-store';
import { LoaderError } from './errors.js';

/** How to reach BigQuery: the settings both BigQuery writers (silver and database) take. */
export interface BigqueryClientOptions {
  /** The lake the load jobs read their files from: it must be a `gs://` store. */
  store: ObjectStore;
  projectId?: string;
  /** Location of a new dataset and of the jobs. */
  location?: string;
  /** goccy/bigquery-emulator to talk to. */
  emulatorHost?: string;
  /** A client to use instead of building one (tests). */
  client?: BigQuery;
}

/**
 * The BigQuery client of a writer whose load jobs read `what` from the lake, after checking what
 * BigQuery needs of the configuration.
 */
export function bigqueryClient(options: BigqueryClientOptions, what: string): BigQuery {
  const emulator = options.emulatorHost !== undefined;
  if (!options.store.location.startsWith('gs://')) {
    throw new LoaderError(
      'LS_LOADER_CONFIG_INVALID',
      `the bigquery target loads ${what} from gs:// URIs, but the store is ${options.store.location}: set WAREHOUSE_LOADER_STORAGE_URL to the gs:// lake`,
    );
  }
  if (emulator && !options.projectId) {
    throw new LoaderError(
      'LS_LOADER_CONFIG_INVALID',
      'a BigQuery emulator needs a project id: set BIGQUERY_PROJECT',
    );
  }
  // An emulator client has no credentials; without this, google-auth-library would probe the
  // GCE metadata server (a non-loopback address) before every first request.
  if (emulator) process.env.METADATA_SERVER_DETECTION ??= 'none';
  return (
    options.client ??
    new BigQuery({
      ...(options.projectId ? { projectId: options.projectId } : {}),
      ...(options.location ? { location: options.location } : {}),
      ...(emulator ? { apiEndpoint: options.emulatorHost } : {}),
      // One retry policy, the loader's: every step is safe to repeat.
      retryOptions: { autoRetry: false },
    })
  );
}
