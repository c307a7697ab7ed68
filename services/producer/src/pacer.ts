/**
 * Replay pacing: as fast as possible (bulk), a fixed number of rows per second, or along the
 * events' own timestamps sped up X times (to simulate live store traffic). Works on a schedule of
 * absolute target times rather than one sleep per row, so timer granularity and the time spent
 * producing do not add up to drift.
 */

/** The time source and sleeper; a fake one drives the unit tests. */
export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** How fast to replay. */
export type PaceMode =
  | { readonly kind: 'bulk' }
  | { readonly kind: 'rate'; readonly rowsPerSecond: number }
  | { readonly kind: 'event-time'; readonly speedup: number; readonly maxGapMs: number };

/** The real clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

// Sleeping for less than this costs more in timer overhead than it gains in smoothness.
const MIN_SLEEP_MS = 2;
// Falling behind more than this (a stall downstream) moves the schedule rather than bursting.
const MAX_BEHIND_MS = 1_000;

/** Decides when each row may go. */
export class Pacer {
  private next: number | undefined;
  private highestEventTime = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly mode: PaceMode,
    private readonly clock: Clock = systemClock,
  ) {}

  /** True when rows need no waiting at all. */
  get bulk(): boolean {
    return this.mode.kind === 'bulk';
  }

  /**
   * Milliseconds to wait before the next row (with its event time in epoch ms, for event-time
   * replay; a row without one goes at once), and books the row on the schedule.
   */
  delayFor(eventTime?: number): number {
    const mode = this.mode;
    if (mode.kind === 'bulk') return 0;
    const now = this.clock.now();
    if (this.next === undefined || now - this.next > MAX_BEHIND_MS) this.next = now;
    const due = this.next;
    if (mode.kind === 'rate') {
      this.next = due + 1000 / mode.rowsPerSecond;
    } else if (eventTime !== undefined && Number.isFinite(eventTime)) {
      // Only moving the event clock forward takes time: a row older than one already sent (an
      // unsorted file) goes at once instead of rewinding the replay.
      if (this.highestEventTime === Number.NEGATIVE_INFINITY) {
        this.highestEventTime = eventTime;
      } else if (eventTime > this.highestEventTime) {
        const gap = Math.min((eventTime - this.highestEventTime) / mode.speedup, mode.maxGapMs);
        this.highestEventTime = eventTime;
        this.next = due + gap;
        const delay = this.next - now;
        return delay >= MIN_SLEEP_MS ? delay : 0;
      }
    }
    const delay = due - now;
    return delay >= MIN_SLEEP_MS ? delay : 0;
  }

  /** Waits until the next row is due (see `delayFor`). */
  async wait(eventTime: number | undefined, signal?: AbortSignal): Promise<void> {
    const delay = this.delayFor(eventTime);
    if (delay > 0) await this.clock.sleep(delay, signal);
  }
}
