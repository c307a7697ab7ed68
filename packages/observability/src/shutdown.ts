import { LakestreamError } from '@lakestream/config';
import type { Logger } from './logger.js';

/** One step of the shutdown sequence, e.g. `producer.close()`. */
export type ShutdownHook = () => Promise<void> | void;

/** Options of `createShutdown`. */
export interface ShutdownOptions {
  /** Logger for each step, failures and the outcome. */
  logger: Logger;
  /** Longest the whole sequence may take; past it, the stuck hook is logged and `run` resolves with exit code 1. */
  graceMs: number;
}

/** How a shutdown ended. */
export interface ShutdownResult {
  /** 0 when every hook finished cleanly within the grace period, else 1. */
  exitCode: 0 | 1;
  /** What started the shutdown (`SIGTERM`, `fatal error`, …). */
  reason: string;
  /** Hooks that threw. */
  failedHooks: string[];
  /** The hook still running when the grace period ran out. */
  stuckHook?: string;
  /** Hooks never started because the grace period ran out. */
  skippedHooks: string[];
}

/** The minimal part of `process` that `installSignalHandlers` uses (a fake in tests). */
export interface SignalTarget {
  /** Subscribes to a signal. */
  on(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  /** Unsubscribes from a signal. */
  off(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  /** Ends the process. */
  exit(code: number): void;
}

/** An ordered, bounded, idempotent shutdown sequence. */
export interface Shutdown {
  /**
   * Appends a hook. Hooks run one at a time in the order added, so add them in the documented
   * order: stop intake → flush → commit offsets → close clients.
   */
  add(name: string, hook: ShutdownHook): void;
  /** Runs the hooks once; later calls return the same promise. */
  run(reason: string): Promise<ShutdownResult>;
  /**
   * Runs the shutdown on SIGTERM/SIGINT, then calls `target.exit(exitCode)`. A second signal
   * while shutting down exits at once with 1 (the operator pressing Ctrl-C again means "now").
   * Returns a function that removes the handlers.
   */
  installSignalHandlers(target?: SignalTarget): () => void;
  /** True once `run` has been called; readiness checks can report "not ready" from then on. */
  readonly started: boolean;
}

/** Creates the shutdown sequence of one process. */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const log = options.logger.child({ component: 'shutdown' });
  const hooks: { name: string; hook: ShutdownHook }[] = [];
  let running: Promise<ShutdownResult> | undefined;
  let finished = false;

  async function sequence(reason: string): Promise<ShutdownResult> {
    const started = performance.now();
    log.info(
      { reason, graceMs: options.graceMs, hooks: hooks.map((h) => h.name) },
      'shutting down',
    );
    const failedHooks: string[] = [];
    let index = 0;

    // Index-based so a hook added while the sequence runs still gets its turn.
    const work = (async () => {
      for (; index < hooks.length; index++) {
        const { name, hook } = hooks[index]!;
        const hookStarted = performance.now();
        try {
          await hook();
          log.info({ hook: name, durationMs: elapsed(hookStarted) }, 'shutdown hook done');
        } catch (err) {
          failedHooks.push(name);
          log.error({ err, hook: name }, 'shutdown hook failed; continuing with the next');
        }
      }
      return 'done' as const;
    })();

    // Deliberately not unref'd: if a hook awaits something that holds no handle, this timer is
    // what keeps the process alive long enough to report the stuck hook and exit with 1.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.graceMs);
    });
    const outcome = await Promise.race([work, deadline]);
    clearTimeout(timer);
    finished = true;

    if (outcome === 'timeout') {
      const stuckHook = hooks[index]?.name;
      const skippedHooks = hooks.slice(index + 1).map((h) => h.name);
      const err = new LakestreamError(
        'LS_SHUTDOWN_TIMEOUT',
        `shutdown exceeded its ${options.graceMs}ms grace period in hook '${stuckHook}'`,
        { details: { stuckHook, skippedHooks } },
      );
      log.error({ err, hook: stuckHook, skippedHooks }, 'shutdown grace period exceeded');
      return { exitCode: 1, reason, failedHooks, stuckHook, skippedHooks };
    }
    const exitCode = failedHooks.length === 0 ? 0 : 1;
    log.info(
      { reason, clean: exitCode === 0, failedHooks, durationMs: elapsed(started) },
      'shutdown complete',
    );
    return { exitCode, reason, failedHooks, skippedHooks: [] };
  }

  function run(reason: string): Promise<ShutdownResult> {
    running ??= sequence(reason);
    return running;
  }

  // Methods avoid `this`, so they can be passed around detached (`process.on('x', shutdown.run)`).
  return {
    add(name, hook) {
      if (finished) {
        log.warn({ hook: name }, 'shutdown hook added after shutdown finished; it will not run');
        return;
      }
      hooks.push({ name, hook });
    },
    run,
    installSignalHandlers(target: SignalTarget = process) {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) {
          log.warn({ signal }, 'second signal during shutdown; exiting now');
          target.exit(1);
          return;
        }
        signalled = true;
        void run(signal).then((result) => target.exit(result.exitCode));
      };
      target.on('SIGTERM', onSignal);
      target.on('SIGINT', onSignal);
      return () => {
        target.off('SIGTERM', onSignal);
        target.off('SIGINT', onSignal);
      };
    },
    get started() {
      return running !== undefined;
    },
  };
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
