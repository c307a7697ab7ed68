import type { SyncOutcome } from './sync-version.js';

/** One line per dataset for the terminal: what happened and what it cost. */
export function formatSyncOutcome(o: SyncOutcome): string {
  const version = o.updateTime ?? 'current version';
  if (o.status === 'skipped') return `${o.code} ${version}: loaded already (not downloaded)`;
  if (o.status === 'unchanged') return `${o.code} ${version}: loaded already (--force reloads it)`;
  const parts = o.parts > 1 ? ` in ${o.parts} parts` : '';
  return `${o.code} ${version}: ${o.status}, ${o.rows} rows; downloaded ${o.bytes} bytes${parts} in ${o.downloadSeconds.toFixed(1)}s, loaded in ${o.loadSeconds.toFixed(1)}s → ${o.bronzeKey}`;
}
