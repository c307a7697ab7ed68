import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A Chromium to drive, or why there is none. */
export type ChromiumLookup =
  | { path: string; reason?: undefined }
  | { path?: undefined; reason: string };

const NAMES = ['chromium', 'chromium-browser'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first Chromium on CHROMIUM_PATH or PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH && executable(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin']) {
    for (const name of NAMES) {
      const path = join(dir, name);
      if (executable(path)) return path;
    }
  }
  return undefined;
}

function run(command: string, args: string[], progress: (message: string) => void): boolean {
  progress(`${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) {
    const stderr = result.stderr?.toString().trim().split('\n').slice(-3).join(' | ');
    progress(`failed (${result.error?.message ?? `exit ${result.status}`}): ${stderr ?? ''}`);
  }
  return result.status === 0;
}

/**
 * Debian's `chromium`, installed with apt when missing (idempotent: nothing happens when it is
 * there). Gives a reason instead when there is no apt or no root to run it.
 */
export function ensureChromium(progress: (message: string) => void = () => {}): ChromiumLookup {
  const found = findChromium();
  if (found !== undefined) return { path: found };
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasApt) return { reason: 'Chromium is not installed and there is no apt-get to install it' };
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) {
    return { reason: 'Chromium is not installed and apt-get needs root (or password-less sudo)' };
  }
  const apt = (args: string[]) =>
    root ? run('apt-get', args, progress) : run('sudo', ['-n', 'apt-get', ...args], progress);
  const install = ['install', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300', 'chromium'];
  progress('Chromium not found: installing Debian chromium with apt-get');
  if (!apt(install)) {
    // A fresh machine has no package lists yet.
    if (!apt(['update', '-q']) || !apt(install)) {
      return { reason: 'apt-get could not install chromium (see the lines above)' };
    }
  }
  const path = findChromium();
  return path === undefined
    ? { reason: 'apt-get installed chromium but it is not on PATH' }
    : { path };
}
