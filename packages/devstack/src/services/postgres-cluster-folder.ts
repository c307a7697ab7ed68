/**
 * Where a stack's PostgreSQL cluster lives, and the clearing of clusters whose stack is gone.
 *
 * The cluster lives in the stack's folder, so that removing a home removes it too (each is hundreds
 * of megabytes, more once the audit table has grown). As root, the server runs as the `postgres`
 * user, which must reach the folder: a stack under a private folder (a project under /root, a home
 * made by `mktemp -d`) keeps its cluster in /var/tmp/lakestream-postgres instead, named by the
 * stack folder, which it records there. Removing that home leaves the cluster behind; the next
 * start of any stack removes it.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { pathId } from '../paths.js';
import { isAlive } from '../process-control.js';

/** The folder of the clusters kept outside their stack. */
export const CLUSTERS_APART = '/var/tmp/lakestream-postgres';
/** The file, in a cluster kept apart, naming its stack folder. */
const STACK_RECORD = 'stack-folder';

/** A system user, by ids. */
export interface ServerUser {
  uid: number;
  gid: number;
}

/**
 * The cluster's folder for `stackDir`: inside it unless `asUser` (the server's user, as root)
 * cannot reach it. A cluster already kept apart stays in use.
 */
export function clusterFolder(
  stackDir: string,
  asUser: ServerUser | undefined,
  apartRoot = CLUSTERS_APART,
): string {
  if (!asUser) return join(stackDir, 'postgres');
  const apart = join(apartRoot, pathId(stackDir));
  if (existsSync(apart) || !traversableBy(stackDir, asUser)) return apart;
  return join(stackDir, 'postgres');
}

/** Records, in a cluster folder kept apart, which stack it belongs to. */
export function recordStackFolder(clusterDir: string, stackDir: string): void {
  if (clusterDir.startsWith(`${stackDir}/`)) return;
  writeFileSync(join(clusterDir, STACK_RECORD), `${stackDir}\n`);
}

/** What `removeClustersOfRemovedStacks` did, one line per cluster it removed or could not. */
export interface ClearedClusters {
  /** The stack folders whose clusters were removed. */
  removed: string[];
  /** Why a cluster that was to be removed is still there. */
  failed: string[];
}

/**
 * Removes the clusters kept apart whose recorded stack folder no longer exists and whose server is
 * not running. Only a folder that is certainly absent counts as gone: one that cannot be looked
 * at (permissions, an I/O error) keeps its cluster. A cluster that records no stack (made before
 * the record existed) is left alone: nothing says whose it is. Never throws: another stack's
 * leftovers must not stop this one from starting.
 */
export function removeClustersOfRemovedStacks(apartRoot = CLUSTERS_APART): ClearedClusters {
  const cleared: ClearedClusters = { removed: [], failed: [] };
  let entries: string[];
  try {
    entries = readdirSync(apartRoot);
  } catch {
    return cleared;
  }
  for (const entry of entries) {
    const dir = join(apartRoot, entry);
    let stackDir: string;
    try {
      stackDir = readFileSync(join(dir, STACK_RECORD), 'utf8').replace(/\n$/, '');
    } catch {
      continue;
    }
    if (stackDir === '' || !certainlyAbsent(stackDir) || serverRunning(join(dir, 'data'))) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      cleared.removed.push(stackDir);
    } catch (err) {
      cleared.failed.push(`${dir} (of ${stackDir}): ${(err as Error).message}`);
    }
  }
  return cleared;
}

/** Removes the cluster a stack folder keeps apart, if it has one (a private stack's clean-up). */
export function removeClusterKeptApart(stackDir: string, apartRoot = CLUSTERS_APART): void {
  rmSync(join(apartRoot, pathId(stackDir)), { recursive: true, force: true });
}

/** True only when `path` does not exist; any other failure to look at it is not an answer. */
function certainlyAbsent(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}

/** Whether the cluster's postmaster.pid names a live process. */
function serverRunning(dataDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid);
  } catch {
    return false;
  }
}

/** Whether `user` may pass through every folder from the root down to `dir` (which exists). */
function traversableBy(dir: string, user: ServerUser): boolean {
  let path = dir;
  for (;;) {
    const { mode, uid, gid } = statSync(path);
    const bit = uid === user.uid ? 0o100 : gid === user.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return false;
    if (path === parse(path).root) return true;
    path = dirname(path);
  }
}
