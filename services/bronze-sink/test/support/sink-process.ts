import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The service folder, where `src/main.ts` lives. */
export const SERVICE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A bronze sink running as its own process, as in production. */
export class SinkProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines (stdout); non-JSON lines kept as `{ raw }`. */
  readonly logs: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  constructor(
    readonly name: string,
    env: Record<string, string>,
    entry = 'src/main.ts',
    args: string[] = [],
  ) {
    this.child = spawn(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', entry, ...args],
      {
        cwd: SERVICE_DIR,
        // Only what the sink needs: no stray BRONZE_SINK_* from the test runner's environment.
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const dump = process.env.TEST_SINK_LOG_DIR;
    const file = dump ? createWriteStream(join(dump, `${name}-${this.child.pid}.log`)) : undefined;
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      file?.write(`${line}\n`);
      try {
        this.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.logs.push({ raw: line });
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.stderr.push(line));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Resolves with the first log line matching, or rejects after `timeoutMs` or on exit. */
  async waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.logs.length; seen++) if (match(this.logs[seen]!)) return this.logs[seen]!;
      if (!this.running)
        throw new Error(
          `${this.name} exited (${JSON.stringify(this.exit)}) before the log line:\n${this.tail()}`,
        );
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no such log line in ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(50);
    }
  }

  /** Count of log lines matching. */
  count(match: (line: Record<string, unknown>) => boolean): number {
    return this.logs.filter(match).length;
  }

  /** The exit, or an error with the last log lines if the process is still running after `timeoutMs`. */
  async exitWithin(timeoutMs: number): Promise<Exit> {
    const timer = sleep(timeoutMs, 'timeout' as const);
    const result = await Promise.race([this.exited, timer]);
    if (result === 'timeout')
      throw new Error(`${this.name} still running after ${timeoutMs} ms:\n${this.tail()}`);
    return result;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 30): string {
    const out = this.logs.slice(-lines).map((l) => JSON.stringify(l));
    return [...out, ...this.stderr.slice(-10)].join('\n');
  }
}

/** True for the log line the health server writes once listening (the process is up). */
export const isStarted = (line: Record<string, unknown>) => line.msg === 'bronze sink started';
/** True for a partition set-up line. */
export const isPartitionTaken = (line: Record<string, unknown>) =>
  typeof line.msg === 'string' && line.msg.startsWith('partition taken');
/** True for a leftover removal. */
export const isLeftoverRemoved = (line: Record<string, unknown>) =>
  line.msg === 'removed a leftover object of an uncommitted flush';
