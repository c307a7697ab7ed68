/**
 * One sync per database at a time: `sync_state/<database>.lock`, created exclusively and holding
 * the owner's pid and host. A lock whose process is gone (killed) is stale and taken over. In a
 * container every run is pid 1 on a new host name, so a lock written by another host, or by this
 * very pid, is a killed run's too: the scheduler (a CronJob with concurrencyPolicy Forbid, one
 * volume) is what keeps two hosts from syncing at once.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DbSyncError } from './errors.js';
import { stateDir } from './state.js';

/** Locks this process holds: a lock file naming our pid is ours only if it is in here. */
const HELD = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the database's lock; returns its release (idempotent). Throws LS_DB_SYNC_LOCKED if held. */
export function lockDatabase(lakestreamHome: string, database: string): () => void {
  mkdirSync(stateDir(lakestreamHome), { recursive: true });
  const path = join(stateDir(lakestreamHome), `${database}.lock`);
  for (let tries = 0; ; tries++) {
    try {
      writeFileSync(path, `${process.pid} ${hostname()}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [pid, host] = readFileSafe(path).trim().split(' ');
      const owner = Number.parseInt(pid ?? '', 10);
      const held =
        HELD.has(path) ||
        (Number.isInteger(owner) &&
          owner !== process.pid &&
          (host === undefined || host === hostname()) &&
          alive(owner));
      if (tries > 0 || held) {
        throw new DbSyncError(
          'LS_DB_SYNC_LOCKED',
          `database ${database} is being synced by process ${Number.isInteger(owner) ? owner : '?'} (lock ${path})`,
        );
      }
      // Its process is gone (killed mid-sync): the lock is stale.
      rmSync(path, { force: true });
    }
  }
  HELD.add(path);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    HELD.delete(path);
    if (readFileSafe(path).trim() === `${process.pid} ${hostname()}`) rmSync(path, { force: true });
  };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
