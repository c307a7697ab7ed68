/**
 * What every BigQuery writer (silver, database, documents, gcs-load) does around its jobs,
 * written once: the client, the job bookkeeping, and the calls whose errors are classified the
 * loader's way (retryable or not, the emulator's quirks included).
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { type BigqueryClientOptions, bigqueryClient } from './bigquery-client.js';
import { classifyBigqueryError, isAlreadyExists, isNotFound } from './bigquery-errors.js';
import { type BigqueryJobs, createBigqueryJobs } from './bigquery-jobs.js';

/** A writer's way to BigQuery. */
export interface BigquerySession {
  readonly bq: BigQuery;
  /** `{ location }` when one is configured, for the calls that take it. */
  readonly location: { location?: string };
  /** Talking to goccy/bigquery-emulator (its workarounds on). */
  readonly emulator: boolean;
  readonly jobs: BigqueryJobs;
  /** Runs `fn`, throwing its failure as a classified `LoaderError` about `what`. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** The rows of a standard SQL query. */
  query<T>(sql: string, what: string): Promise<T[]>;
  /** Creates the dataset unless it exists (safe to race with another writer). */
  ensureDataset(datasetId: string): Promise<void>;
  /** Drops the table; one that is gone already is fine. */
  dropTable(datasetId: string, name: string): Promise<void>;
}

/** The session of a writer whose load jobs read `what` from the lake (see `bigqueryClient`). */
export function createBigquerySession(
  options: BigqueryClientOptions,
  what: string,
): BigquerySession {
  const emulator = options.emulatorHost !== undefined;
  const bq = bigqueryClient(options, what);
  const location = options.location ? { location: options.location } : {};

  async function call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyBigqueryError(err, doing, emulator);
    }
  }

  return {
    bq,
    location,
    emulator,
    jobs: createBigqueryJobs(bq, location, emulator),
    call,
    async query<T>(sql: string, doing: string): Promise<T[]> {
      const [rows] = await call(doing, () => bq.query({ query: sql, ...location }));
      return rows as T[];
    },
    async ensureDataset(datasetId) {
      const dataset = bq.dataset(datasetId, location);
      const [exists] = await call(`looking up dataset ${datasetId}`, () => dataset.exists());
      if (exists) return;
      try {
        await dataset.create(location);
      } catch (err) {
        if (!isAlreadyExists(err))
          throw classifyBigqueryError(err, `creating dataset ${datasetId}`, emulator);
      }
    },
    async dropTable(datasetId, name) {
      try {
        await bq.dataset(datasetId, location).table(name).delete();
      } catch (err) {
        if (!isNotFound(err)) throw classifyBigqueryError(err, `dropping ${name}`, emulator);
      }
    },
  };
}
