/**
 * One sync per database at a time: `sync_state/<database>.lock`, created exclusively and holding
 * the owner's pid. A lock whose process is gone (killed) is stale and taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DbSyncError } from './errors.js';
import { stateDir } from './state.js';

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
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSafe(path), 10);
      if (tries > 0 || (Number.isInteger(owner) && alive(owner))) {
        throw new DbSyncError(
          'LS_DB_SYNC_LOCKED',
          `database ${database} is being synced by process ${Number.isInteger(owner) ? owner : '?'} (lock ${path})`,
        );
      }
      // Its process is gone (killed mid-sync): the lock is stale.
      rmSync(path, { force: true });
    }
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readFileSafe(path).trim() === String(process.pid)) rmSync(path, { force: true });
  };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
