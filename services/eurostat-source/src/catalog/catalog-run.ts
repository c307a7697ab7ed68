/** One `eurostat catalog` run: download the table of contents, parse it, load it, select the watchlist. */
import type { Logger } from '@lakestream/observability';
import type pg from 'pg';
import type { EurostatConfig } from '../config.js';
import type { EurostatMetrics } from '../metrics.js';
import { type CatalogLoadResult, loadCatalog } from './catalog-store.js';
import { downloadForRun } from './download.js';
import { parseTableOfContents, selectWatched } from './toc.js';

/** The table of contents' URL under an API base, in the configured language. */
export function tocUrl(apiBase: string, language: string): string {
  return `${apiBase.replace(/\/+$/, '')}/catalogue/toc/txt?lang=${encodeURIComponent(language)}`;
}

/** What a run did, for the summary line. */
export interface CatalogRunResult extends CatalogLoadResult {
  url: string;
  bytes: number;
  seconds: number;
  folders: number;
  repeated: number;
}

/** Everything a run needs. */
export interface CatalogRunDeps {
  config: Pick<
    EurostatConfig,
    'apiBase' | 'language' | 'keywords' | 'httpTimeoutMs' | 'maxAttempts' | 'retryBaseMs'
  >;
  pool: pg.Pool;
  logger: Logger;
  metrics?: EurostatMetrics | undefined;
  signal?: AbortSignal | undefined;
}

/** Runs once; throws a EurostatError (the catalogue stays as it was). */
export async function runCatalog(deps: CatalogRunDeps): Promise<CatalogRunResult> {
  const { config, logger, metrics } = deps;
  const url = tocUrl(config.apiBase, config.language);
  const download = await downloadForRun(url, 'toc', 'table of contents', deps);
  const toc = parseTableOfContents(download.text, url);
  const watched = selectWatched(toc.entries, config.keywords);
  const loaded = await loadCatalog(deps.pool, toc.entries, watched);
  if (metrics) {
    for (const type of ['dataset', 'table'] as const) {
      metrics.catalogEntries.set({ type }, toc.entries.filter((e) => e.type === type).length);
    }
    metrics.watchedDatasets.set(watched.length);
  }
  logger.info({ url, bytes: download.bytes, ...loaded }, 'catalogue loaded');
  return {
    ...loaded,
    url,
    bytes: download.bytes,
    seconds: download.seconds,
    folders: toc.folders,
    repeated: toc.repeated,
  };
}

/** One line saying what a run changed. */
export function formatCatalogSummary(r: CatalogRunResult): string {
  const c = r.catalog;
  const w = r.watchlist;
  return (
    `eurostat catalog: ${c.total} datasets and tables (${c.added} added, ${c.changed} changed, ${c.removed} removed); ` +
    `watchlist ${w.total} (${w.added} added, ${w.removed} removed); ${r.bytes} bytes in ${r.seconds.toFixed(1)}s`
  );
}
