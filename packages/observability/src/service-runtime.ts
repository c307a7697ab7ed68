import { ConfigError } from '@lakestream/config';
import { type HealthServer, type ReadinessChecks, startHealthServer } from './health-server.js';
import { createLogger, type Logger, type LoggerOptions } from './logger.js';
import { createMetrics, type LakestreamMetrics } from './metrics.js';
import { createShutdown, type Shutdown } from './shutdown.js';

/** The configuration every service has (its schema spreads `commonFields`). */
export interface ServiceBaseConfig {
  logLevel: NonNullable<LoggerOptions['level']>;
  shutdownGraceMs: number;
  metricsPort?: number;
  metricsHost?: string;
  metricsPortFile?: string | undefined;
}

/** Options of `createServiceRuntime`. */
export interface ServiceRuntimeOptions<M> {
  service: string;
  config: ServiceBaseConfig;
  /** Where the JSON logs go; stdout by default (a one-shot CLI that prints a summary uses stderr). */
  logDestination?: LoggerOptions['destination'];
  /** Extends the shared metrics with the service's own (default: the shared set only). */
  metrics?: (shared: LakestreamMetrics) => M;
  /**
   * A one-shot command (a producer run, a single loader run): after a clean signalled shutdown the
   * process does not exit, so the command's own flow prints its summary and exits; a stuck or
   * failed shutdown, or a second signal, still exits at once.
   */
  oneShot?: boolean;
}

/** What every service process has: logs, metrics, an ordered shutdown, health, and how to fail. */
export interface ServiceRuntime<M = LakestreamMetrics> {
  logger: Logger;
  metrics: M;
  shutdown: Shutdown;
  /**
   * Aborted when the shutdown begins, so start-up waits (Kafka retries, catch-up runs) stop at once
   * instead of holding the process past its grace period.
   */
  signal: AbortSignal;
  /** A handler that logs `reason` as fatal, runs the shutdown, then exits with status 1. */
  fail(reason: string): (err: unknown) => void;
  /** Starts /healthz, /readyz and /metrics on the configured port (a free one if it is taken). */
  serveHealth(readiness: ReadinessChecks): Promise<HealthServer>;
  /**
   * Runs the start-up steps. A failure fails the process (status 1) unless a shutdown caused it:
   * a signal during start-up closes the clients under the steps, and that is not an error.
   */
  start(steps: () => Promise<void>): Promise<void>;
}

/**
 * Loads a service's configuration, or writes every problem to stderr and exits with status 2
 * (before any logger exists; the message never holds a secret value).
 */
export function loadServiceConfig<C>(service: string, load: () => C): C {
  try {
    return load();
  } catch (err) {
    process.stderr.write(`${service}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

/**
 * The one service bootstrap: logger, metrics, shutdown on SIGTERM/SIGINT, fatal-error handling
 * and the health server, wired the same way in every service. The service adds its shutdown hooks
 * in the documented order (stop intake → flush → commit offsets → close clients); the health
 * server closes last.
 */
export function createServiceRuntime<M = LakestreamMetrics>(
  options: ServiceRuntimeOptions<M>,
): ServiceRuntime<M> {
  const { service, config } = options;
  const logger = createLogger({
    service,
    level: config.logLevel,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    // The logs cannot be written: nothing this service does can be seen any more, so it stops the
    // way a fatal error stops it. A log file that cannot be written (a folder, no permission, a
    // full disk) is named on stderr; a lost stderr or stdout (its reader, a runner or a pipe, has
    // ended) has nobody left to tell. Stream errors come asynchronously, so `fail` (declared
    // below) exists by then.
    onDestinationLost: (err) => {
      const file = options.logDestination;
      if (file !== undefined && file !== process.stderr) {
        // A write error (a full disk: "ENOSPC: no space left on device, write") names no file.
        const path = (file as { path?: unknown }).path;
        const where = typeof path === 'string' && !err.message.includes(path) ? `, ${path}` : '';
        process.stderr.write(
          `${service}: cannot write its log (${err.message}${where}); stopping\n`,
        );
      }
      fail('log output lost')(err);
    },
  });
  const shared = createMetrics({ service });
  const metrics = (options.metrics ? options.metrics(shared) : shared) as M;
  const shutdown = createShutdown({ logger, graceMs: config.shutdownGraceMs });
  const starting = new AbortController();
  // First hook: whatever start-up is still waiting gives up before intake stops.
  shutdown.add('abort start-up', () => starting.abort(new Error('shutting down')));
  shutdown.installSignalHandlers(
    options.oneShot
      ? {
          on: (signal, listener) => process.on(signal, listener),
          off: (signal, listener) => process.off(signal, listener),
          exit: (code) => {
            if (code !== 0) process.exit(code);
          },
        }
      : process,
  );

  let failing = false;
  const fail = (reason: string) => (err: unknown) => {
    logger.fatal({ err }, reason);
    if (failing) return;
    failing = true;
    void shutdown.run(reason).then((result) => {
      // The last line says how the process ends, whatever the shutdown hooks did.
      logger.fatal(
        { exitCode: 1, failedHooks: result.failedHooks },
        `${reason}; exiting with status 1`,
      );
      process.exit(1);
    });
  };
  process.on('uncaughtException', fail('uncaught exception'));
  process.on('unhandledRejection', fail('unhandled rejection'));

  let health: HealthServer | undefined;
  return {
    logger,
    metrics,
    shutdown,
    signal: starting.signal,
    fail,
    async serveHealth(readiness) {
      if (health) return health;
      health = await startHealthServer({
        port: config.metricsPort ?? 0,
        ...(config.metricsHost === undefined ? {} : { host: config.metricsHost }),
        ...(config.metricsPortFile === undefined ? {} : { portFile: config.metricsPortFile }),
        registry: shared.registry,
        logger,
        readiness,
      });
      const server = health;
      shutdown.add('close health server', () => server.close());
      return server;
    },
    async start(steps) {
      try {
        if (!shutdown.started) await steps();
      } catch (err) {
        if (shutdown.started) logger.info({ err }, 'start-up interrupted by shutdown');
        else fail('start-up failed')(err);
      }
    },
  };
}
