import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** LAKESTREAM_HOME when unset: `.lakestream` in the project. */
export const DEFAULT_LAKESTREAM_HOME = '.lakestream';

/** The nearest folder at or above `from` that holds pnpm-workspace.yaml, if any. */
function workspaceRootAbove(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

// Found from this file, not from the working directory: a service started from its own folder
// (`pnpm --filter … dev`) must use the same state as commands.sh does at the root. An installed
// image has no workspace file above its node_modules, and falls back to the working directory.
const WORKSPACE_ROOT = workspaceRootAbove(dirname(fileURLToPath(import.meta.url)));

/**
 * LAKESTREAM_HOME as an absolute path, the one rule every service and tool applies: the default
 * (`.lakestream`) is the project's `.lakestream/` wherever the process was started from (the
 * working directory outside a workspace checkout); any other relative value is taken from `cwd`.
 */
export function resolveLakestreamHome(home: string, cwd: string = process.cwd()): string {
  if (isAbsolute(home)) return home;
  if (home === DEFAULT_LAKESTREAM_HOME) return join(WORKSPACE_ROOT ?? cwd, home);
  return resolve(cwd, home);
}
