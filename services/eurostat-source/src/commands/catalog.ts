/**
 * `eurostat catalog [--every 7d]`: wiring and signals only (the run is in catalog/). Logs (pino
 * JSON) go to stderr or EUROSTAT_SOURCE_LOG_FILE; the summary to stdout.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE (1m): no run starts after the signal; the
 * one under way finishes (its download is aborted, or its transaction commits) → close the
 * PostgreSQL pool → close the health server. A second signal exits at once.
 */
import { createServiceRuntime, loadServiceConfig, repeatRun } from '@lakestream/observability';
import { formatCatalogSummary, runCatalog } from '../catalog/catalog-run.js';
import { parseScheduleArgs } from '../catalog/cli.js';
import { loadEurostatConfig } from '../config.js';
import { logDestination } from '../log-destination.js';
import { COMPONENTS, createEurostatMetrics } from '../metrics.js';
import { createPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';

const SERVICE = 'eurostat-catalog';

/** The usage text of `--help`. */
export const USAGE = `Usage: eurostat-source catalog [--every 7d]

Downloads Eurostat's table of contents (…/catalogue/toc/txt) and loads its datasets and tables
into PostgreSQL eurostat.catalog in one transaction (a re-run of the same file changes nothing);
selects those whose code or title contains one of EUROSTAT_KEYWORDS (default HLTH) into
eurostat.watchlist.

Options:
  --every 7d   again every interval (default EUROSTAT_CATALOG_EVERY, else once), until SIGTERM

Exit status: 0 loaded, 1 the run failed (the catalogue is unchanged), 2 bad arguments or configuration.`;

/** Runs the command; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = parseScheduleArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`eurostat-source catalog: ${command.message}\n(see --help)\n`);
    return 2;
  }
  const config = loadServiceConfig(SERVICE, () => loadEurostatConfig());
  const everyMs = command.everyMs ?? config.catalogEveryMs;
  const runtime = createServiceRuntime({
    service: SERVICE,
    config,
    logDestination: logDestination(config.logFile),
    metrics: createEurostatMetrics,
    oneShot: everyMs === undefined,
  });
  const { logger, metrics, shutdown } = runtime;
  const stop = runtime.signal;
  logger.info({ config, everyMs }, 'starting');
  const pool = createPool(config.databaseUrl, logger, SERVICE);

  const runOnce = async () => {
    await ensureSchema(pool);
    const result = await runCatalog({ config, pool, logger, metrics, signal: stop });
    process.stdout.write(`${formatCatalogSummary(result)}\n`);
    metrics.shared.lastSuccess.set({ component: COMPONENTS.catalog }, Date.now() / 1000);
    return 0;
  };
  const loop = repeatRun(runOnce, {
    everyMs,
    signal: stop,
    onError: (err) => {
      const code = (err as { code?: unknown }).code;
      metrics.shared.errors.inc({ component: COMPONENTS.catalog, code: String(code ?? 'unknown') });
      logger.error({ err }, 'catalogue run failed');
      process.stderr.write(`eurostat-source catalog: ${(err as Error).message}\n`);
    },
  });
  shutdown.add('finish the run under way', async () => {
    await loop;
  });
  shutdown.add('close the PostgreSQL pool', () => pool.end());
  if (everyMs !== undefined) {
    await runtime.start(async () => {
      await runtime.serveHealth({
        schedule: () => {
          if (stop.aborted) throw new Error('shutting down');
        },
      });
    });
  }
  const exitCode = await loop;
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  return exitCode === 0 ? closed.exitCode : exitCode;
}
