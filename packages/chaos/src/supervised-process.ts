import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Node's arguments to run a workspace TypeScript entry point from its sources, as the runner does. */

/** How one run of a supervised process ended. */
export interface ProcessExit {
  service: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The suite ended it (kill -9 or stop); otherwise it exited by itself. */
  byUs: boolean;
  /** The fault point it killed itself at, when it did. */
  faultPoint?: string;
  at: number;
}

/** Options of `SupervisedProcess`. */
export interface SupervisedOptions {
  /** Name in logs and the report (`bronze-sink`, `bronze-sink#2`). */
  name: string;
  /** Arguments after `node`: the TS_NODE flags, the entry point and its arguments. */
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every start's stdout and stderr are appended here. */
  logFile: string;
  /**
   * `LAKESTREAM_FAULT_POINTS` of the first starts, one entry per start (the first start gets the
   * first entry); later starts run unarmed. A supervisor restarting a crashed service gives it the
   * same configuration, but here a fault point that fired must not fire again forever. A start
   * that ended before its point fired (killed at a random moment meanwhile) passes it on.
   */
  armed?: readonly string[];
  /** Pause before a restart, as a supervisor's backoff. */
  restartDelayMs?: number;
  onExit?: (exit: ProcessExit) => void;
}

const FAULT_LINE = /^fault point ([a-z0-9.-]+) \(hit \d+\): killing process/;

/**
 * A service process run as a supervisor (systemd, Kubernetes) would: restarted whenever it exits
 * until `stop()` is called. The suite kills it with SIGKILL, freezes it with SIGSTOP, and reads
 * from its stderr whether it killed itself at a fault point.
 */
export class SupervisedProcess {
  readonly name: string;
  readonly exits: ProcessExit[] = [];
  #options: SupervisedOptions;
  #child: ChildProcess | undefined;
  #starts = 0;
  /** Which `armed` entry the next start gets: it moves on only once its point fired. */
  #armIndex = 0;
  #stopping = false;
  #killedByUs = false;
  #log: WriteStream;
  #exited: Promise<void> = Promise.resolve();
  /** Starts in a row that ended within seconds: the restart backs off, as supervisors do. */
  #quickExits = 0;

  constructor(options: SupervisedOptions) {
    this.name = options.name;
    this.#options = options;
    mkdirSync(dirname(options.logFile), { recursive: true });
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
  }

  /** Starts the process (and keeps restarting it until `stop`). */
  start(): void {
    if (this.#stopping) return;
    const armed = this.#options.armed?.[this.#armIndex];
    this.#starts += 1;
    const env = { ...this.#options.env };
    if (armed) env.LAKESTREAM_FAULT_POINTS = armed;
    else delete env.LAKESTREAM_FAULT_POINTS;
    this.#log.write(
      `\n=== ${new Date().toISOString()} start ${this.#starts} of ${this.name}${armed ? ` (fault points: ${armed})` : ''}\n`,
    );
    const child = spawn(process.execPath, [...this.#options.args], {
      cwd: this.#options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a kill reaches anything it started and nothing else.
      detached: true,
    });
    this.#child = child;
    this.#killedByUs = false;
    const startedAt = Date.now();
    let faultPoint: string | undefined;
    let partial = '';
    child.stdout?.pipe(this.#log, { end: false });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#log.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) faultPoint ??= FAULT_LINE.exec(line)?.[1];
    });
    this.#exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        this.#log.write(`=== could not start ${this.name}: ${err.message}\n`);
      });
      child.once('close', (code, signal) => {
        faultPoint ??= FAULT_LINE.exec(partial)?.[1];
        if (armed && faultPoint === armed.split('@')[0]) this.#armIndex += 1;
        const exit: ProcessExit = {
          service: this.name,
          code,
          signal,
          byUs: this.#killedByUs || this.#stopping,
          at: Date.now(),
          ...(faultPoint ? { faultPoint } : {}),
        };
        this.exits.push(exit);
        this.#log.write(`=== ${this.name} exited (code ${code}, signal ${signal})\n`);
        this.#child = undefined;
        this.#options.onExit?.(exit);
        resolve();
        if (!this.#stopping) {
          this.#quickExits = !exit.byUs && exit.at - startedAt < 10_000 ? this.#quickExits + 1 : 0;
          const delay = Math.min(
            10_000,
            (this.#options.restartDelayMs ?? 500) * 2 ** this.#quickExits,
          );
          void sleep(delay).then(() => this.start());
        }
      });
    });
  }

  /** Whether a process is running now. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** SIGKILL to the whole process group; the supervisor restarts it. False when nothing ran. */
  kill9(): boolean {
    return this.#signal('SIGKILL', true);
  }

  /** SIGSTOP: the process stays, silent (a long GC pause, a frozen VM). */
  freeze(): boolean {
    return this.#signal('SIGSTOP', false);
  }

  /** SIGCONT after `freeze`. */
  thaw(): boolean {
    return this.#signal('SIGCONT', false);
  }

  /**
   * Stops for good: SIGCONT (a frozen process cannot drain), SIGTERM, then SIGKILL after `graceMs`.
   * Resolves whether it drained in time.
   */
  async stop(graceMs: number): Promise<{ drained: boolean }> {
    this.#stopping = true;
    if (!this.#child) return { drained: true };
    this.#signal('SIGCONT', false);
    this.#signal('SIGTERM', false);
    const drained = await Promise.race([
      this.#exited.then(() => true),
      sleep(graceMs).then(() => false),
    ]);
    if (!drained) {
      this.#signal('SIGKILL', true);
      await this.#exited;
    }
    this.#log.end();
    return { drained };
  }

  #signal(signal: NodeJS.Signals, byUs: boolean): boolean {
    const pid = this.#child?.pid;
    if (pid === undefined) return false;
    if (byUs) this.#killedByUs = true;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
