/**
 * A command that runs once, or every interval until shutdown (`--every`), and the one-line
 * progress it shows on a terminal meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How `repeatRun` goes on. */
export interface RepeatOptions {
  /** Between the end of one run and the start of the next; undefined runs once. */
  everyMs?: number | undefined;
  /** Aborted at shutdown: the run under way finishes, no other starts. */
  signal: AbortSignal;
  /** A run that threw (its exit status is then 1). */
  onError: (err: unknown) => void;
  /**
   * The run's progress line, ended when a run throws, so its error starts on a line of its own
   * and the next run counts from zero (a run that returns ends it itself, before its summary).
   */
  progress?: ProgressLine | undefined;
}

/**
 * Runs `run` once, or again every `everyMs` until `signal` aborts; resolves with the exit status
 * of the last run. A run that throws does not end the schedule: the next interval may find the
 * source back.
 */
export async function repeatRun(
  run: () => Promise<number>,
  options: RepeatOptions,
): Promise<number> {
  let status = 0;
  do {
    try {
      status = await run();
    } catch (err) {
      status = 1;
      options.progress?.end();
      options.onError(err);
    }
    if (options.everyMs === undefined) break;
    await sleep(options.everyMs, undefined, { signal: options.signal }).catch(() => {});
  } while (!options.signal.aborted);
  return status;
}

/** A count shown on one rewritten terminal line. */
export interface ProgressLine {
  add(n?: number): void;
  /** Ends the line (when one was shown) and starts again from zero. */
  end(): void;
}

/**
 * `<label>: <n> <what>` rewritten on `stream` at most every 200 ms; undefined when the stream is
 * not a terminal, so a log file or a pipe gets no carriage returns.
 */
export function progressLine(
  label: string,
  what: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressLine | undefined {
  if (!stream.isTTY) return undefined;
  let count = 0;
  let shown = 0;
  return {
    add: (n = 1) => {
      count += n;
      const now = Date.now();
      if (now - shown < 200) return;
      shown = now;
      stream.write(`\r${label}: ${count} ${what}`);
    },
    end: () => {
      if (shown > 0) stream.write(`\r${label}: ${count} ${what}\n`);
      count = 0;
      shown = 0;
    },
  };
}
