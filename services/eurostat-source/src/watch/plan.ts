/**
 * Which watched datasets have an update not loaded yet, and which update: pure, no I/O.
 *
 * A dataset's newest update is the later of the feed's newest event for it (a precise time) and
 * the catalogue's last data update or structure change (a Brussels date, taken at 00:00 UTC).
 * Eurostat publishes at 11:00 and 23:00 Brussels time, so a feed time is always later than the
 * same day's catalogue date: while the feed holds an update, its time names the version, and once
 * the update has left the feed the catalogue's date is not later than the version loaded for it.
 * A dataset with no load counts as changed.
 */
import type { EurostatChangeKind, EurostatEventSource } from '@lakestream/lake';
import type { FeedEvent } from './feed.js';

/** A watched dataset with the catalogue's dates (`YYYY-MM-DD`, or null). */
export interface WatchedDataset {
  code: string;
  lastDataUpdate: string | null;
  lastStructureChange: string | null;
}

/** An update to announce. */
export interface PlannedUpdate {
  code: string;
  updateTime: Date;
  changed: EurostatChangeKind;
  source: EurostatEventSource;
}

/** The decision for every watched dataset. */
export interface WatchPlan {
  /** Datasets whose newest update is later than their last load (or never loaded). */
  behind: PlannedUpdate[];
  /** Datasets whose newest update is loaded. */
  upToDate: string[];
  /** Datasets whose newest feed event is a deletion: nothing to load. */
  deleted: string[];
  /** Datasets with neither a feed event nor a catalogue date: no version to name. */
  undated: string[];
  /** Feed events about code lists (they name no dataset). */
  codelistEvents: number;
}

/** What the plan looks at. */
export interface PlanInput {
  watched: readonly WatchedDataset[];
  events: readonly FeedEvent[];
  /** The newest loaded update time per code (eurostat.loads). */
  lastLoads: ReadonlyMap<string, Date>;
  now: Date;
  /** Feed events older than this many days are ignored. */
  feedDays: number;
}

/** Decides, for every watched dataset, whether an update is waiting. */
export function planUpdates(input: PlanInput): WatchPlan {
  const since = input.now.getTime() - input.feedDays * 86_400_000;
  const newestEvent = new Map<string, FeedEvent>();
  let codelistEvents = 0;
  for (const event of input.events) {
    if (event.object === 'codelist') {
      codelistEvents += 1;
      continue;
    }
    if (event.time.getTime() < since) continue;
    const seen = newestEvent.get(event.code);
    // On equal times a structure change wins: it is the larger change to load.
    if (
      !seen ||
      event.time > seen.time ||
      (event.time.getTime() === seen.time.getTime() && event.changed === 'structure')
    ) {
      newestEvent.set(event.code, event);
    }
  }
  const plan: WatchPlan = { behind: [], upToDate: [], deleted: [], undated: [], codelistEvents };
  for (const dataset of input.watched) {
    const event = newestEvent.get(dataset.code);
    if (event?.action === 'delete') {
      plan.deleted.push(dataset.code);
      continue;
    }
    const fromFeed: PlannedUpdate | undefined = event && {
      code: dataset.code,
      updateTime: event.time,
      changed: event.changed,
      source: 'feed',
    };
    const fromCatalog = catalogUpdate(dataset);
    const newest =
      fromFeed && (!fromCatalog || fromFeed.updateTime >= fromCatalog.updateTime)
        ? fromFeed
        : fromCatalog;
    if (!newest) {
      plan.undated.push(dataset.code);
      continue;
    }
    const loaded = input.lastLoads.get(dataset.code);
    if (loaded === undefined || newest.updateTime > loaded) plan.behind.push(newest);
    else plan.upToDate.push(dataset.code);
  }
  return plan;
}

function catalogUpdate(dataset: WatchedDataset): PlannedUpdate | undefined {
  const data = dataset.lastDataUpdate;
  const structure = dataset.lastStructureChange;
  if (data === null && structure === null) return undefined;
  const structureNewer = structure !== null && (data === null || structure > data);
  const date = structureNewer ? structure : data;
  return {
    code: dataset.code,
    updateTime: new Date(`${date}T00:00:00Z`),
    changed: structureNewer ? 'structure' : 'data',
    source: 'catalog',
  };
}
