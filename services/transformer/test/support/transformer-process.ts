import { type ChildProcess, spawn } from 'node:child_process';
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

/** The transformer's command line, run as its own process from the sources. */
export class TransformerProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  constructor(args: readonly string[], env: Record<string, string>) {
    this.child = spawn(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', 'src/main.ts', ...args],
      {
        cwd: SERVICE_DIR,
        // Only what the transformer needs: no stray TRANSFORMER_* from the test runner.
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.stdout.push(line));
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

  /** Parsed JSON lines of a stream. */
  json(stream: 'stdout' | 'stderr'): Record<string, unknown>[] {
    return this[stream].flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Resolves with the first stdout line matching, or rejects after `timeoutMs` or on exit. */
  async waitForLine(match: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.stdout.length; seen++)
        if (match(this.stdout[seen]!)) return this.stdout[seen]!;
      if (!this.running)
        throw new Error(`exited (${JSON.stringify(this.exit)}) first:\n${this.tail()}`);
      if (Date.now() > deadline)
        throw new Error(`no such line in ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(50);
    }
  }

  /** The exit, or an error with the last lines if still running after `timeoutMs`. */
  async exitWithin(timeoutMs: number): Promise<Exit> {
    const result = await Promise.race([this.exited, sleep(timeoutMs, 'timeout' as const)]);
    if (result === 'timeout') {
      this.child.kill('SIGKILL');
      throw new Error(`still running after ${timeoutMs} ms:\n${this.tail()}`);
    }
    return result;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  tail(lines = 20): string {
    return [...this.stdout.slice(-lines), ...this.stderr.slice(-lines)].join('\n');
  }
}
