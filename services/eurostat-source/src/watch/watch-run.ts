/** One `eurostat watch` run: read the feed and the catalogue, announce each watched dataset's waiting update once. */
import {
  EUROSTAT_EVENT_VERSION,
  type EurostatUpdateEvent,
  EurostatUpdateEventSchema,
  eurostatUpdateKey,
  eurostatUpdateTime,
} from '@lakestream/lake';
import type { Logger } from '@lakestream/observability';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import { downloadForRun } from '../catalog/download.js';
import type { EurostatConfig } from '../config.js';
import { EurostatError } from '../errors.js';
import type { EurostatMetrics } from '../metrics.js';
import { parseFeed } from './feed.js';
import { type PlannedUpdate, planUpdates, type WatchPlan } from './plan.js';
import { announceOnce, readWatchState } from './watch-store.js';

/** The update feed's URL under an API base, in the configured language. */
export function feedUrl(apiBase: string, language: string): string {
  return `${apiBase.replace(/\/+$/, '')}/catalogue/rss/${encodeURIComponent(language)}/statistics-update.rss`;
}

/** The event announcing `update`, valid against the lake contract. */
export function updateEvent(update: PlannedUpdate, detectedAt: Date): EurostatUpdateEvent {
  return EurostatUpdateEventSchema.parse({
    version: EUROSTAT_EVENT_VERSION,
    code: update.code,
    update_time: eurostatUpdateTime(update.updateTime),
    changed: update.changed,
    source: update.source,
    force: false,
    detected_at: eurostatUpdateTime(detectedAt),
  });
}

/** What a run saw and did. */
export interface WatchRunResult {
  url: string;
  feedEvents: number;
  skippedItems: number;
  watched: number;
  plan: WatchPlan;
  /** Updates published by this run (a waiting update announced before is not among them). */
  announced: PlannedUpdate[];
}

/** Everything a run needs. */
export interface WatchRunDeps {
  config: Pick<
    EurostatConfig,
    | 'apiBase'
    | 'language'
    | 'feedDays'
    | 'httpTimeoutMs'
    | 'maxAttempts'
    | 'retryBaseMs'
    | 'updatesTopic'
  >;
  pool: pg.Pool;
  producer: Pick<Producer, 'send'>;
  logger: Logger;
  metrics?: EurostatMetrics | undefined;
  signal?: AbortSignal | undefined;
  /** The run's clock (tests pin it). */
  now?: () => Date;
}

/** Runs once; throws a EurostatError (no announcement of a failed run is kept). */
export async function runWatch(deps: WatchRunDeps): Promise<WatchRunResult> {
  const { config, logger, metrics } = deps;
  const now = deps.now?.() ?? new Date();
  const url = feedUrl(config.apiBase, config.language);
  const download = await downloadForRun(url, 'feed', 'update feed', deps);
  const feed = parseFeed(download.text, url);
  for (const skip of feed.skipped) logger.warn({ url, ...skip }, 'feed item skipped');
  const state = await readWatchState(deps.pool);
  const plan = planUpdates({
    watched: state.watched,
    events: feed.events,
    lastLoads: state.lastLoads,
    now,
    feedDays: config.feedDays,
  });
  metrics?.watchedDatasets.set(state.watched.length);
  metrics?.datasetsBehind.set(plan.behind.length);
  const announced = await announceOnce(deps.pool, plan.behind, now, async (fresh) => {
    const messages = fresh.map((u) => ({
      key: eurostatUpdateKey(u.code),
      value: JSON.stringify(updateEvent(u, now)),
    }));
    try {
      await deps.producer.send({ topic: config.updatesTopic, acks: -1, messages });
    } catch (err) {
      throw new EurostatError(
        'LS_EUROSTAT_PUBLISH_FAILED',
        `publishing ${messages.length} update events to ${config.updatesTopic}: ${(err as Error).message}`,
        { cause: err, retryable: (err as { retriable?: unknown }).retriable === true },
      );
    }
  });
  for (const u of announced) {
    metrics?.updatesAnnounced.inc({ changed: u.changed, source: u.source });
  }
  logger.info(
    {
      url,
      feedEvents: feed.events.length,
      behind: plan.behind.length,
      announced: announced.map((u) => `${u.code}@${eurostatUpdateTime(u.updateTime)}`),
      deleted: plan.deleted,
      undated: plan.undated,
    },
    'watch run done',
  );
  return {
    url,
    feedEvents: feed.events.length,
    skippedItems: feed.skipped.length,
    watched: state.watched.length,
    plan,
    announced,
  };
}

/** The run's summary: one line, then one line per announced update. */
export function formatWatchSummary(r: WatchRunResult): string {
  const lines = [
    `eurostat watch: ${r.watched} watched, ${r.feedEvents} feed events; ${r.plan.behind.length} behind, ` +
      `${r.announced.length} announced now, ${r.plan.upToDate.length} up to date` +
      (r.plan.deleted.length > 0 ? `, ${r.plan.deleted.length} deleted at Eurostat` : '') +
      (r.plan.undated.length > 0 ? `, ${r.plan.undated.length} without an update date` : ''),
  ];
  for (const u of r.announced) {
    lines.push(`  ${u.code}  ${eurostatUpdateTime(u.updateTime)}  ${u.changed} (${u.source})`);
  }
  return lines.join('\n');
}
