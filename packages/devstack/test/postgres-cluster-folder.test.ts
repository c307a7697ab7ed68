// Where a stack's PostgreSQL cluster lives as root, and the clearing of clusters kept apart whose
// stack is gone: plain folders, no server.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pathId } from '../src/paths.js';
import {
  clusterFolder,
  recordStackFolder,
  removeClusterKeptApart,
  removeClustersOfRemovedStacks,
} from '../src/services/postgres-cluster-folder.js';

let scratch: string;
let apartRoot: string;
/** A user that neither owns the scratch folders nor is in their group. */
const stranger = { uid: 54_321, gid: 54_321 };

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pg-cluster-folder-'));
  chmodSync(scratch, 0o755);
  apartRoot = join(scratch, 'apart');
  mkdirSync(apartRoot);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A stack folder under `parentMode`. */
function stack(name: string, parentMode = 0o755): string {
  const dir = join(scratch, name, 'devstack');
  mkdirSync(join(scratch, name), { mode: parentMode });
  chmodSync(join(scratch, name), parentMode);
  mkdirSync(dir, { mode: 0o755 });
  return dir;
}

/** A cluster kept apart for `stackDir`, as a start leaves it. */
function clusterApart(stackDir: string, postmasterPid?: number): string {
  const dir = join(apartRoot, pathId(stackDir));
  mkdirSync(join(dir, 'data'), { recursive: true });
  recordStackFolder(dir, stackDir);
  if (postmasterPid !== undefined)
    writeFileSync(join(dir, 'data', 'postmaster.pid'), `${postmasterPid}\n/data\n`);
  return dir;
}

describe('the PostgreSQL cluster folder', () => {
  it('is in the stack folder when the server user can reach it, apart when it cannot', () => {
    const open = stack('open');
    const hidden = stack('private', 0o700);
    expect(clusterFolder(open, undefined, apartRoot)).toBe(join(open, 'postgres'));
    expect(clusterFolder(open, stranger, apartRoot)).toBe(join(open, 'postgres'));
    expect(clusterFolder(hidden, stranger, apartRoot)).toBe(join(apartRoot, pathId(hidden)));
    // A cluster already kept apart stays in use: its data is there.
    mkdirSync(join(apartRoot, pathId(open)));
    expect(clusterFolder(open, stranger, apartRoot)).toBe(join(apartRoot, pathId(open)));
  });

  it('removes the clusters kept apart whose stack is gone and whose server is not running', () => {
    const kept = clusterApart(stack('kept', 0o700));
    const goneStack = stack('gone', 0o700);
    const gone = clusterApart(goneStack);
    const runningStack = stack('running', 0o700);
    const running = clusterApart(runningStack, process.pid);
    const unrecorded = join(apartRoot, 'made-before-the-record');
    mkdirSync(join(unrecorded, 'data'), { recursive: true });
    rmSync(join(scratch, 'gone'), { recursive: true });
    rmSync(join(scratch, 'running'), { recursive: true });

    expect(removeClustersOfRemovedStacks(apartRoot)).toEqual({ removed: [goneStack], failed: [] });
    expect(existsSync(gone)).toBe(false);
    for (const dir of [kept, running, unrecorded]) expect(existsSync(dir), dir).toBe(true);
  });

  it('keeps the cluster of a stack folder that cannot be looked at; a private stack removes its own', () => {
    // A record naming a path under a regular file: stat fails with ENOTDIR, not "no such file".
    writeFileSync(join(scratch, 'a-file'), '');
    const unknowable = clusterApart(join(scratch, 'a-file', 'devstack'));
    expect(removeClustersOfRemovedStacks(apartRoot).removed).toEqual([]);
    expect(existsSync(unknowable)).toBe(true);
    const own = stack('own', 0o700);
    const cluster = clusterApart(own);
    removeClusterKeptApart(own, apartRoot);
    expect(existsSync(cluster)).toBe(false);
  });

  it('records nothing for a cluster inside its stack folder', () => {
    const open = stack('open');
    const inside = join(open, 'postgres');
    mkdirSync(inside);
    recordStackFolder(inside, open);
    expect(existsSync(join(inside, 'stack-folder'))).toBe(false);
  });

  it('finds nothing to remove when no cluster was ever kept apart', () => {
    expect(removeClustersOfRemovedStacks(join(scratch, 'never-made'))).toEqual({
      removed: [],
      failed: [],
    });
  });
});
