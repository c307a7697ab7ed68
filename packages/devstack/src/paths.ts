import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The devstack package's own folder (its `tools/` holds the pom and Go modules). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The monorepo root. */
export const REPO_ROOT = resolve(PACKAGE_DIR, '..', '..');

/**
 * Where the project keeps its runtime state: LAKESTREAM_HOME, or `.lakestream/` in the project.
 * The devstack's service data, logs and state file live under `<home>/devstack/`.
 */
export function lakestreamHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LAKESTREAM_HOME || join(REPO_ROOT, '.lakestream'));
}

/**
 * Where downloaded and built tools are cached, shared by every checkout of the user:
 * LAKESTREAM_CACHE, else `$XDG_CACHE_HOME/lakestream`, else `~/.cache/lakestream`.
 */
export function toolCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAKESTREAM_CACHE) return resolve(env.LAKESTREAM_CACHE);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lakestream');
}

/** A short stable id of a path, to name per-home folders outside the home. */
export function pathId(path: string): string {
  return createHash('sha1').update(path).digest('hex').slice(0, 12);
}
