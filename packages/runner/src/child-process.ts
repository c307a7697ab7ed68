import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LOG_LEVELS, type LogLevel } from '@lakestream/config';

/** What a finished child process left behind. */
export interface ChildResult {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** The last lines it wrote to stderr (all of it is in the log file). */
  stderrTail: string[];
  seconds: number;
}

/** Options of `runChild`. */
export interface RunChildOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** stderr (logs) is appended here, so the terminal shows the run's table, not every log line. */
  logFile: string;
  /** Stops the child when aborted: SIGTERM, then SIGKILL if it is still there after `killAfterMs`. */
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL on abort; default 10 s. */
  killAfterMs?: number;
  /** Called with each complete stderr line (e.g. to pick a JSON summary out of the logs). */
  onStderrLine?: (line: string) => void;
}

const TAIL_LINES = 20;

/** Node's arguments to run a workspace TypeScript entry point from its sources. */
export const TS_NODE = ['--conditions=lakestream-source', '--import', 'tsx'];

/**
 * The LOG_LEVEL of a stage process: the caller's, but never above info. The runner reads its
 * stages' info lines (the producer's `streaming` and `producer finished`), which a caller's
 * `LOG_LEVEL=warn` would otherwise hide – the run would fail a producer that succeeded. The logs
 * go to files in the home, not to the terminal, so they cost the caller no noise.
 */
export function stageLogLevel(level: string | undefined): string {
  const at = LOG_LEVELS.indexOf(level as LogLevel);
  return level === undefined || at > LOG_LEVELS.indexOf('info') ? 'info' : level;
}

/** Runs a command to completion, its stderr to a log file, its stdout captured. Never rejects on a non-zero exit. */
export async function runChild(
  command: string,
  args: readonly string[],
  options: RunChildOptions,
): Promise<ChildResult> {
  await mkdir(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const began = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 10_000);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  // A runner that exits without stopping its child (an uncaught error, process.exit) must not
  // leave it running on a broken pipe: long-lived workers would outlive it, writing nowhere.
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  let stdout = '';
  const tail: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    log.write(chunk);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    log.write(chunk);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onStderrLine?.(line);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    },
  );
  options.signal?.removeEventListener('abort', onAbort);
  process.off('exit', onExit);
  clearTimeout(killTimer);
  if (partial !== '') {
    tail.push(partial);
    options.onStderrLine?.(partial);
  }
  await new Promise<void>((resolve) => log.end(resolve));
  return { code, signal, stdout, stderrTail: tail, seconds: (performance.now() - began) / 1000 };
}
