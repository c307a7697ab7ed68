import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The audit sink running as its own process, as it runs in production (`src/main.ts`). */
export class SinkProcess {
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;
  readonly #output: string[] = [];
  readonly #spawnedAt = performance.now();
  #startupMs: number | undefined;
  #onConsuming: () => void = () => {};
  readonly #consuming = new Promise<void>((resolve) => {
    this.#onConsuming = resolve;
  });

  constructor(env: Record<string, string>) {
    // Only what the sink needs: a stray AUDIT_SINK_* from the caller would be refused as unknown.
    const base = Object.fromEntries(
      ['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap((k) =>
        process.env[k] === undefined ? [] : [[k, process.env[k]!]],
      ),
    );
    this.#child = spawn(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', 'services/audit-sink/src/main.ts'],
      { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        this.#output.push(chunk);
        // The sink logs 'consuming' (at info) once it has joined its group and runs.
        if (this.#startupMs === undefined && chunk.includes('"msg":"consuming"')) {
          this.#startupMs = performance.now() - this.#spawnedAt;
          this.#onConsuming();
        }
        if (this.#output.length > 200) this.#output.shift();
      });
    }
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /**
   * How long the process took from spawn to consuming (needs LOG_LEVEL=info): the measure of how
   * busy this machine is now, which a bound on the process's exit has to allow for beside the
   * configured grace period. Throws if it has not started consuming.
   */
  get startupMs(): number {
    if (this.#startupMs === undefined) {
      throw new Error(`the sink has not logged 'consuming':\n${this.output()}`);
    }
    return Math.round(this.#startupMs);
  }

  /**
   * Resolves once the process has logged 'consuming' (needs LOG_LEVEL=info); rejects when it has
   * not after `timeoutMs`, or exits first. A group already committed to the end does not show that
   * a process just spawned has started.
   */
  async waitForConsuming(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`sink not consuming after ${timeoutMs} ms:\n${this.output()}`)),
        timeoutMs,
      );
    });
    const exited = this.exited.then((exit) => {
      throw new Error(`sink exited (${JSON.stringify(exit)}) before consuming:\n${this.output()}`);
    });
    exited.catch(() => {}); // settled after the race when the process starts first
    try {
      await Promise.race([this.#consuming, timeout, exited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last lines the process wrote, for failure messages. */
  output(): string {
    return this.#output.join('');
  }

  /** Sends a signal (SIGKILL: a crash; SIGTERM: an orderly stop). */
  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Resolves with the exit, or rejects when the process is still running after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`sink still running after ${timeoutMs} ms:\n${this.output()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process if it still runs (test clean-up). */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }
}
