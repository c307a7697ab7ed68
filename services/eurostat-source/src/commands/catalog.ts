/**
 * `eurostat catalog [--every 7d]`: wiring only (the run is in catalog/, the runtime, schedule and
 * shutdown in scheduled-command). Logs (pino JSON) go to stderr or EUROSTAT_SOURCE_LOG_FILE; the
 * summary to stdout.
 *
 * Shutdown on SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE (1m): no run starts after the signal; the
 * one under way finishes (its download is aborted, or its transaction commits) → close the
 * PostgreSQL pool → close the health server. A second signal exits at once.
 */
import { formatCatalogSummary, runCatalog } from '../catalog/catalog-run.js';
import { runScheduledCommand } from './scheduled-command.js';

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
export function main(argv: readonly string[]): Promise<number> {
  return runScheduledCommand(argv, {
    command: 'catalog',
    service: SERVICE,
    usage: USAGE,
    defaultEveryMs: (config) => config.catalogEveryMs,
    failure: 'catalogue run failed',
    run: async (context) => formatCatalogSummary(await runCatalog(context)),
  });
}
