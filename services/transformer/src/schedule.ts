import type { Logger } from '@lakestream/observability';
import type { BatchOutcome } from './transformer.js';

/** `run --every`: one batch per period until stopped. */
export interface Schedule {
  /** Runs the loop; resolves once stopped and the batch in flight (if any) has finished. */
  run(): Promise<void>;
  /** Throws once stopping (for /readyz). */
  checkReady(): void;
  /** Starts no new batch and wakes the loop; `run()` then settles after the batch in flight. */
  stop(): void;
  /** Resolves when the loop has ended (the batch in flight included). */
  stopped(): Promise<void>;
}

/** Options of `createSchedule`. */
export interface ScheduleOptions {
  everyMs: number;
  runBatch: () => Promise<BatchOutcome>;
  logger: Logger;
  /** Called with each batch's outcome (print the summary). */
  onOutcome?: (outcome: BatchOutcome) => void;
}

/**
 * Runs a batch at start and then at every multiple of the period from the start; a batch that
 * overruns its period skips the ticks it missed rather than queueing them. A failed batch is
 * logged and the schedule goes on: nothing was published, so the next tick retries the same work.
 */
export function createSchedule(options: ScheduleOptions): Schedule {
  const { everyMs, logger } = options;
  let stopping = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  async function sleepUntil(time: number): Promise<void> {
    const ms = time - Date.now();
    if (ms <= 0 || stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  }

  return {
    run() {
      loop ??= (async () => {
        const origin = Date.now();
        while (!stopping) {
          try {
            options.onOutcome?.(await options.runBatch());
          } catch (err) {
            logger.error({ err }, 'batch failed; nothing was published, the next tick retries');
          }
          const ticks = Math.floor((Date.now() - origin) / everyMs) + 1;
          await sleepUntil(origin + ticks * everyMs);
        }
      })();
      return loop;
    },
    checkReady() {
      if (stopping) throw new Error('shutting down');
    },
    stop() {
      stopping = true;
      wake?.();
    },
    async stopped() {
      await loop;
    },
  };
}
