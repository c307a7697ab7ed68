import { createHash } from 'node:crypto';
import type { BigQuery, Job, JobOptions } from '@google-cloud/bigquery';
import type { PublishedBatch } from './batches.js';
import {
  type ApiErrorLike,
  classifyBigqueryError,
  isJobIdTaken,
  isNotFound,
} from './bigquery-errors.js';
import { LoaderError } from './errors.js';

/** A BigQuery job's configuration (load or query). */
export type JobConfiguration = NonNullable<JobOptions['configuration']>;

/** Most job ids tried per (batch, table, step): `<id>`, `<id>_2`, … after failed attempts. */
const MAX_JOB_ATTEMPTS = 20;

/** What identifies a step of a batch on one table incarnation. */
export interface JobStep {
  project: string;
  dataset: string;
  table: string;
  /** Creation time of the target table: a rebuilt table gets new job ids. */
  incarnation: string | undefined;
  batch: PublishedBatch;
  step: string;
}

/** The deterministic id of one step of a batch. */
export function bigqueryJobId({
  project,
  dataset,
  table,
  incarnation,
  batch,
  step,
}: JobStep): string {
  const salt = createHash('sha256')
    .update(`${project}\n${dataset}\n${table}\n${incarnation}\n${batch.sha256}`)
    .digest('hex')
    .slice(0, 16);
  return `lakestream_${dataset}_${batch.id}_${table}_${step}_${salt}`.slice(0, 1000);
}

/** Runs jobs by deterministic id, finding earlier attempts instead of repeating them. */
export interface BigqueryJobs {
  /**
   * Whether some attempt of the step already succeeded; if not, the number of the first attempt
   * whose id is free (attempts take ids in order, so past it there is none).
   */
  succeeded(base: string): Promise<{ done: true } | { done: false; free: number }>;
  /**
   * Runs the step's job once: finds an attempt that succeeded or is still running, else creates
   * the next attempt. With `fresh`, an earlier success does not count (its output is gone); with
   * `stillHolds`, it counts only while its output is still in place (the job, done, is passed);
   * `free` is an attempt number known to be unused (no need to look it up).
   */
  run(
    base: string,
    configuration: JobConfiguration,
    what: string,
    options?: { fresh?: boolean; stillHolds?: (job: Job) => boolean; free?: number },
  ): Promise<'found' | 'created'>;
}

/**
 * The job bookkeeping of a BigQuery target: attempt `n` of a step has the id `<base>_<n>`
 * (`<base>` for the first); an attempt seen failing is skipped from then on.
 */
export function createBigqueryJobs(
  bq: BigQuery,
  location: { location?: string },
  emulator: boolean,
): BigqueryJobs {
  /** Jobs seen failing in this process: the emulator later reports them as DONE without error. */
  const failedJobs = new Set<string>();

  async function getJob(jobId: string): Promise<Job | undefined> {
    try {
      const [job] = await bq.job(jobId, location).get();
      return job;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyBigqueryError(err, `looking up job ${jobId}`, emulator);
    }
  }

  /**
   * Waits for a job; resolves to its error when it failed. A failure to poll it (the job may
   * still be running) rejects instead, so that no second attempt starts beside it.
   */
  async function outcomeOf(job: Job): Promise<unknown> {
    const done = () => job.metadata?.status?.state === 'DONE';
    if (!done()) {
      try {
        await job.promise();
      } catch (err) {
        if (!job.metadata?.status?.errorResult)
          throw classifyBigqueryError(err, `waiting for job ${job.id}`, emulator);
      }
    }
    const errorResult = job.metadata?.status?.errorResult;
    return errorResult
      ? Object.assign(new Error(errorResult.message), { errors: [errorResult] })
      : undefined;
  }

  return {
    async succeeded(base) {
      for (let n = 1; n <= MAX_JOB_ATTEMPTS; n++) {
        const jobId = n === 1 ? base : `${base}_${n}`;
        if (failedJobs.has(jobId)) continue;
        const job = await getJob(jobId);
        if (!job) return { done: false, free: n };
        if ((await outcomeOf(job)) === undefined) return { done: true };
        failedJobs.add(jobId);
      }
      return { done: false, free: MAX_JOB_ATTEMPTS + 1 };
    },

    async run(base, configuration, what, options = {}) {
      let conflicts = 0;
      for (let n = 1; n <= MAX_JOB_ATTEMPTS; n++) {
        const jobId = n === 1 ? base : `${base}_${n}`;
        if (failedJobs.has(jobId)) continue;
        const existing = n === options.free && conflicts === 0 ? undefined : await getJob(jobId);
        if (existing) {
          if (options.fresh) continue;
          const failure = await outcomeOf(existing);
          if (failure === undefined) {
            if (options.stillHolds?.(existing) ?? true) return 'found';
            continue;
          }
          failedJobs.add(jobId);
          continue;
        }
        let job: Job;
        try {
          [job] = await bq.createJob({ jobId, configuration, ...location });
        } catch (err) {
          if (isJobIdTaken(err, emulator) && conflicts++ < 3) {
            n--; // Created meanwhile (a retried insert, another run): look at it again.
            continue;
          }
          // A job created and failed at once comes back as an error naming the job.
          if ((err as ApiErrorLike).response?.jobReference?.jobId === jobId) failedJobs.add(jobId);
          throw classifyBigqueryError(err, `${what} (job ${jobId})`, emulator);
        }
        const failure = await outcomeOf(job);
        if (failure === undefined) return 'created';
        failedJobs.add(jobId);
        throw classifyBigqueryError(failure, `${what} (job ${jobId})`, emulator);
      }
      throw new LoaderError(
        'LS_LOADER_WAREHOUSE_FAILED',
        `${what}: ${MAX_JOB_ATTEMPTS} attempts (jobs ${base}…) failed`,
      );
    },
  };
}
