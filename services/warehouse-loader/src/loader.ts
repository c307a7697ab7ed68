import { type RetryOptions, withRetry } from '@lakestream/config';
import type { ObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import { SILVER_TABLE_NAMES, type SilverTableName } from '@lakestream/silver';
import { listPublishedBatches, planBatches, readBatch, rowsByTable } from './batches.js';
import { LoaderError, metricCode } from './errors.js';
import { COMPONENT, type LoaderMetrics } from './loader-metrics.js';
import type { WarehouseTarget } from './target.js';

/** One batch a run applied. */
export interface AppliedBatchResult {
  id: string;
  sequence: number;
  rows: Record<SilverTableName, number>;
  durationMs: number;
}

/** What a run did. */
export interface RunSummary {
  /** The target's description (`duckdb /path …`, `bigquery project.dataset`). */
  target: string;
  targetKind: WarehouseTarget['kind'];
  /** Batches the lake publishes. */
  published: number;
  /** Batches applied by this run, in order. */
  applied: AppliedBatchResult[];
  /** Rows per table over the batches applied by this run. */
  rows: Record<SilverTableName, number>;
  /** True when a stop request ended the run before every pending batch was applied. */
  interrupted: boolean;
  durationMs: number;
}

/** Options of `createLoader`. */
export interface LoaderOptions {
  store: ObjectStore;
  target: WarehouseTarget;
  logger: Logger;
  metrics?: LoaderMetrics;
  /** Retries of transient failures (opening the warehouse, applying a batch). */
  retry?: Pick<RetryOptions, 'retries' | 'baseMs' | 'maxMs'>;
}

/** Options of one run. */
export interface RunOptions {
  /**
   * Return at once, without opening the warehouse, when the lake publishes exactly the manifests
   * it did when the last run that applied everything began: an idle periodic run must not take
   * the DuckDB file from dbt or the dashboard every interval. After a failed run, always runs.
   */
  ifLakeChanged?: boolean;
}

/** Applies published batches; runs never overlap, even when triggered from several places. */
export interface Loader {
  /**
   * Applies every published batch not yet applied, in sequence order, each in its own unit of
   * work. `signal` stops it between batches (the batch under way is finished). Rejects with
   * `LS_LOADER_BATCH_GAP` after applying the batches before a missing one.
   */
  runOnce(signal?: AbortSignal, options?: RunOptions): Promise<RunSummary>;
}

/** Creates the loader over a store and a warehouse target. */
export function createLoader(options: LoaderOptions): Loader {
  const { store, target, metrics } = options;
  const log = options.logger.child({ component: COMPONENT, target: target.kind });
  let previous: Promise<unknown> = Promise.resolve();
  /** The manifest keys listed by the last run that applied everything (manifests are create-only). */
  let settled: string | undefined;

  function retrying<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, {
      ...options.retry,
      ...(signal ? { signal } : {}),
      onRetry: ({ err, attempt, delayMs }) => {
        metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
        log.warn({ err, attempt, delayMs }, `${what} failed; retrying`);
      },
    });
  }

  async function run(signal: AbortSignal | undefined, options: RunOptions): Promise<RunSummary> {
    const started = performance.now();
    const summary: RunSummary = {
      target: target.description,
      targetKind: target.kind,
      published: 0,
      applied: [],
      rows: zeroRows(),
      interrupted: false,
      durationMs: 0,
    };
    const published = await listPublishedBatches(store);
    summary.published = published.length;
    const listing = published.map((b) => b.key).join('\n');
    if (options.ifLakeChanged && listing === settled) {
      metrics?.shared.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
      summary.durationMs = performance.now() - started;
      return summary;
    }
    settled = undefined;
    await retrying('opening the warehouse', () => target.open(), signal);
    try {
      const applied = await target.applied();
      const plan = planBatches(published, applied);
      metrics?.pendingBatches.set({ target: target.kind }, published.length - applied.size);
      if (plan.lastApplied) {
        // The last applied batch's manifest must be the one the warehouse recorded; if it is
        // not, the lake was rebuilt and its batch numbers mean other data.
        const current = await readBatch(store, plan.lastApplied);
        const recorded = applied.get(current.id)!;
        if (current.sha256 !== recorded.sha256) {
          throw new LoaderError(
            'LS_LOADER_LAKE_MISMATCH',
            `batch ${current.id} was applied with manifest sha256 ${recorded.sha256.slice(0, 12)}…, but the lake's manifest is now ${current.sha256.slice(0, 12)}…: the lake was rebuilt. Load into a fresh warehouse.`,
            { details: { batch: current.id } },
          );
        }
      }
      for (const ref of plan.toApply) {
        if (signal?.aborted) {
          summary.interrupted = true;
          break;
        }
        const batch = await readBatch(store, ref);
        const batchStarted = performance.now();
        await retrying(`applying batch ${batch.id}`, () => target.apply(batch));
        const durationMs = performance.now() - batchStarted;
        const rows = rowsByTable(batch.manifest);
        summary.applied.push({ id: batch.id, sequence: batch.sequence, rows, durationMs });
        for (const table of SILVER_TABLE_NAMES) {
          summary.rows[table] += rows[table];
          metrics?.rowsLoaded.inc({ target: target.kind, table }, rows[table]);
        }
        if (metrics) {
          metrics.batchesApplied.inc({ target: target.kind });
          metrics.pendingBatches.dec({ target: target.kind });
          metrics.lastAppliedSequence.set({ target: target.kind }, batch.sequence);
          metrics.shared.batchDuration.observe({ component: COMPONENT }, durationMs / 1000);
          metrics.shared.sentEvents.inc(
            { component: COMPONENT },
            Object.values(rows).reduce((a, b) => a + b, 0),
          );
          metrics.shared.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
        }
        log.info(
          { batch: batch.id, rows, durationMs: Math.round(durationMs) },
          'applied silver batch',
        );
      }
      if (plan.stop && !summary.interrupted) {
        throw new LoaderError(plan.stop.code, plan.stop.message, {
          details: { ...plan.stop.details, applied: summary.applied.map((b) => b.id) },
        });
      }
      if (summary.applied.length === 0 && !summary.interrupted && metrics) {
        metrics.shared.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
      }
    } finally {
      await target.close();
    }
    if (!summary.interrupted) settled = listing;
    summary.durationMs = performance.now() - started;
    return summary;
  }

  return {
    runOnce(signal, options = {}) {
      const result = previous.then(
        () => run(signal, options),
        () => run(signal, options),
      );
      previous = result.catch(() => {});
      return result.catch((err: unknown) => {
        metrics?.shared.errors.inc({ component: COMPONENT, code: metricCode(err) });
        throw err;
      });
    },
  };
}

function zeroRows(): Record<SilverTableName, number> {
  return Object.fromEntries(SILVER_TABLE_NAMES.map((t) => [t, 0])) as Record<
    SilverTableName,
    number
  >;
}

/** The one-line summary `run` prints. */
export function formatSummary(summary: RunSummary): string {
  const seconds = `${(summary.durationMs / 1000).toFixed(2)} s`;
  const { applied } = summary;
  if (applied.length === 0) {
    const what =
      summary.published === 0
        ? 'no silver batch is published yet'
        : `all ${summary.published} published batch${summary.published === 1 ? ' is' : 'es are'} applied`;
    return `warehouse-loader: nothing to apply, ${what} (${summary.target}) in ${seconds}${summary.interrupted ? ', interrupted' : ''}`;
  }
  const range =
    applied.length === 1 ? applied[0]!.id : `${applied[0]!.id}…${applied[applied.length - 1]!.id}`;
  const rows = SILVER_TABLE_NAMES.map((t) => `${t} ${summary.rows[t]}`).join(', ');
  return `warehouse-loader: applied ${applied.length} batch${applied.length === 1 ? '' : 'es'} (${range}) to ${summary.target}: ${rows} rows in ${seconds}${summary.interrupted ? ' (interrupted before the rest)' : ''}`;
}
