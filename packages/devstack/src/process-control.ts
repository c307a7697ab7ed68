import { type SpawnOptions, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options for a long-running service process that outlives the command that started it. */
export interface DaemonOptions {
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

/**
 * Starts a process in its own process group, its output appended to a log file, detached so that
 * `commands.sh up` can return while it runs. Returns its pid (also the group id).
 */
export function startDaemon(options: DaemonOptions): number {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  try {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    };
    if (options.uid !== undefined) spawnOptions.uid = options.uid;
    if (options.gid !== undefined) spawnOptions.gid = options.gid;
    const child = spawn(options.command, options.args, spawnOptions);
    if (child.pid === undefined) {
      throw new Error(`could not start ${options.command} (see ${options.logFile})`);
    }
    child.on('error', () => {
      // Reported through the health check timing out; the log file says why.
    });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** True when a process with this pid exists (and is not a zombie we could reap). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops a daemon's whole process group: `signal` first, then SIGKILL once `graceMs` has passed.
 * Resolves when no process of the group is left.
 */
export async function stopDaemon(
  pid: number,
  { signal = 'SIGTERM', graceMs = 15_000 }: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  if (!groupAlive(pid)) return;
  signalGroup(signal);
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) {
      signalGroup('SIGKILL');
      await sleep(100);
      if (!groupAlive(pid)) return;
    }
    await sleep(100);
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return true;
    return isAlive(pid);
  }
}

/** Polls `check` until it resolves, or rejects with the last failure once `timeoutMs` passes. */
export async function waitUntil(
  what: string,
  check: () => Promise<unknown>,
  {
    timeoutMs,
    intervalMs = 200,
    alive,
  }: { timeoutMs: number; intervalMs?: number; alive?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      lastError = err;
    }
    if (alive && !alive()) {
      throw new Error(`${what} exited before it became ready`, { cause: lastError });
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not ready after ${timeoutMs} ms`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
