/**
 * `eurostat sync [CODE…] [--force]`: wiring and signals only (the sync is in sync/). Syncs the
 * named datasets (or every watched one) in this process, one after the other, and prints a line
 * for each.
 *
 * A manual sync runs directly rather than publishing manual update events for the worker: the
 * operator who asks for a dataset gets its outcome and its error in the exit status and on the
 * terminal, and it works while no worker runs. It is as safe beside the worker as two worker
 * deliveries: the load takes the dataset's advisory lock and replaces the version in one
 * transaction, and the bronze key is a function of the version.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE: the download under way is aborted (a load
 * under way commits or rolls back) → close the PostgreSQL pool.
 */
import { parseArgs } from 'node:util';
import { eurostatCode } from '@lakestream/lake';
import {
  createServiceRuntime,
  loadServiceConfig,
  logFileOrStderr,
} from '@lakestream/observability';
import { loadEurostatConfig } from '../config.js';
import { COMPONENTS, createEurostatMetrics } from '../metrics.js';
import { SCHEMA } from '../pg/schema.js';
import { formatSyncOutcome } from '../sync/summary.js';
import { syncDataset } from '../sync/sync-version.js';
import { openSyncDeps } from '../sync/wiring.js';

const SERVICE = 'eurostat-sync';

/** The usage text of `--help`. */
export const USAGE = `Usage: eurostat-source sync [CODE…] [--force]

Downloads each dataset named (default: every dataset in eurostat.watchlist) from the statistics
API as JSON-stat (split and joined when Eurostat answers 413, waited for when it answers
asynchronously), lands the raw answer in bronze (bronze/eurostat/<code>/<update time>.json.gz)
and loads it (quality gate, silver Parquet, PostgreSQL eurostat.observations_<code>).

Options:
  --force   load the version even when it is loaded already

Exit status: 0 every dataset loaded, unchanged or rejected by the quality gate; 1 one failed;
2 bad arguments or configuration.`;

/** Runs the command; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: { codes: string[]; force: boolean; help: boolean };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    args = { codes: positionals.map(eurostatCode), force: values.force, help: values.help };
  } catch (err) {
    process.stderr.write(`eurostat-source sync: ${(err as Error).message}\n(see --help)\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadServiceConfig(SERVICE, () => loadEurostatConfig());
  const runtime = createServiceRuntime({
    service: SERVICE,
    config,
    logDestination: logFileOrStderr(config.logFile),
    metrics: createEurostatMetrics,
    oneShot: true,
  });
  const { logger, metrics, shutdown } = runtime;
  logger.info({ config, codes: args.codes, force: args.force }, 'starting');
  let opened: Awaited<ReturnType<typeof openSyncDeps>>;
  try {
    opened = await openSyncDeps(config, logger, metrics, SERVICE);
  } catch (err) {
    process.stderr.write(`eurostat-source sync: ${(err as Error).message}\n`);
    await shutdown.run('failed');
    return 1;
  }
  const { deps } = opened;
  const run = async () => {
    let codes = args.codes;
    if (codes.length === 0) {
      const { rows } = await deps.pool.query<{ code: string }>(
        `SELECT code FROM ${SCHEMA}.watchlist ORDER BY code`,
      );
      codes = rows.map((r) => r.code);
    }
    let failed = 0;
    for (const code of codes) {
      if (runtime.signal.aborted) return 1;
      try {
        const outcome = await syncDataset(
          { ...deps, signal: runtime.signal },
          { code, force: args.force },
        );
        process.stdout.write(`${formatSyncOutcome(outcome)}\n`);
        metrics.shared.lastSuccess.set({ component: COMPONENTS.sync }, Date.now() / 1000);
      } catch (err) {
        failed += 1;
        const errCode = String((err as { code?: unknown }).code ?? 'unknown');
        metrics.shared.errors.inc({ component: COMPONENTS.sync, code: errCode });
        logger.error({ err, dataset: code }, 'sync failed');
        process.stderr.write(`eurostat-source sync: ${code}: ${(err as Error).message}\n`);
      }
    }
    return failed === 0 ? 0 : 1;
  };
  const done = run().catch((err: unknown) => {
    logger.error({ err }, 'sync failed');
    process.stderr.write(`eurostat-source sync: ${(err as Error).message}\n`);
    return 1;
  });
  shutdown.add('finish the dataset under way', async () => {
    await done;
  });
  shutdown.add('close the PostgreSQL pool', () => opened.close());
  const exitCode = await done;
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  return exitCode === 0 ? closed.exitCode : exitCode;
}
