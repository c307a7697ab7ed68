import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** One command's answer from the resident dbt (dbt/scripts/dbt_serve.py). */
export interface DbtAnswer {
  ok: boolean;
  /** The request's `query` rows, read before dbt released the warehouse. */
  rows: unknown[][];
  error: string | null;
  seconds: number;
}

/** A resident dbt process: the project parsed once, one command at a time. */
export interface DbtServe {
  /** Seconds the start-up took (Python, dbt's import and the parse). */
  readonly startSeconds: number;
  /** Resolves, with why, when the process has ended (closed, or died). */
  readonly ended: Promise<string>;
  /** Runs one dbt command (`['run', '--select', …]`), then `query` on the warehouse it left. */
  run(args: readonly string[], query?: string): Promise<DbtAnswer>;
  /** Ends the process (stdin closed; SIGTERM after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Options of `startDbtServe`. */
export interface DbtServeOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  /** dbt's output (stderr) is appended here. */
  logFile: string;
  /** Flags for the parse and every command (`--target duckdb`, …). */
  flags?: readonly string[];
}

/**
 * Starts `dbt/scripts/dbt.sh serve` and waits until the project is parsed. Requests go one at a
 * time (the next waits for the previous answer); a process that dies fails the request under way
 * and every later one.
 */
export async function startDbtServe(options: DbtServeOptions): Promise<DbtServe> {
  await mkdir(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(
    join(options.root, 'dbt', 'scripts', 'dbt.sh'),
    ['serve', ...(options.flags ?? [])],
    { cwd: options.root, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stderr.pipe(log);
  // A process that died is reported by `exited`; writing to its stdin must not throw as well.
  child.stdin.on('error', () => {});
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`dbt serve could not start: ${err.message}`));
    child.once('close', (code, signal) =>
      resolve(`dbt serve ended (${signal ?? `exit ${code}`}); see ${options.logFile}`),
    );
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<Record<string, unknown>> => {
    const line = await Promise.race([
      lines.next(),
      exited.then((reason) => Promise.reject(new Error(reason))),
    ]);
    if (line.done) throw new Error(await exited);
    return JSON.parse(line.value) as Record<string, unknown>;
  };

  const ready = await nextLine().catch(async (err: unknown) => {
    child.kill('SIGTERM');
    throw err;
  });
  if (ready.ready !== true) {
    child.kill('SIGTERM');
    throw new Error(`dbt serve: the project did not parse: ${String(ready.error)}`);
  }
  let queue: Promise<unknown> = Promise.resolve();
  return {
    startSeconds: Number(ready.seconds),
    ended: exited,
    run(args, query) {
      const answer = queue.then(async () => {
        child.stdin.write(`${JSON.stringify({ args, ...(query ? { query } : {}) })}\n`);
        const reply = await nextLine();
        return {
          ok: reply.ok === true,
          rows: (reply.rows as unknown[][] | undefined) ?? [],
          error: (reply.error as string | null | undefined) ?? null,
          seconds: Number(reply.seconds),
        };
      });
      queue = answer.catch(() => undefined);
      return answer;
    },
    async close(graceMs = 10_000) {
      child.stdin.end();
      const term = setTimeout(() => child.kill('SIGTERM'), graceMs);
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + 10_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}
