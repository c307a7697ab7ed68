/**
 * What `catalog` and `watch` share around their run: the command line (`--every`, `--help`), the
 * configuration, the runtime (logs to stderr or EUROSTAT_SOURCE_LOG_FILE, metrics, health while
 * scheduled, signals), the PostgreSQL pool, the schedule (`repeatRun`) and the shutdown order: no
 * run starts after the signal; the one under way finishes → the command's own clients close →
 * the PostgreSQL pool closes → the health server closes. One place, so both commands count their
 * failures, exit and shut down alike.
 */
import {
  createServiceRuntime,
  type Logger,
  loadServiceConfig,
  logFileOrStderr,
  repeatRun,
} from '@lakestream/observability';
import type pg from 'pg';
import { parseScheduleArgs } from '../catalog/cli.js';
import { type EurostatConfig, loadEurostatConfig } from '../config.js';
import { COMPONENTS, createEurostatMetrics, type EurostatMetrics } from '../metrics.js';
import { createPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';

/** What a scheduled command's clients and runs are handed. */
export interface ScheduledContext {
  config: EurostatConfig;
  pool: pg.Pool;
  logger: Logger;
  metrics: EurostatMetrics;
  /** Aborted at the first shutdown signal. */
  signal: AbortSignal;
}

/** A command's own clients, with the shutdown step that closes them. */
export interface OpenedClients<Clients> {
  clients: Clients;
  step: string;
  close(): Promise<void>;
}

/** How one scheduled command runs (`Clients` is undefined for a command without its own). */
export interface ScheduledCommandSpec<Clients = undefined> {
  /** The command's name after `eurostat-source` in its messages. */
  command: 'catalog' | 'watch';
  service: string;
  usage: string;
  /** The interval when `--every` is not given (undefined: once). */
  defaultEveryMs(config: EurostatConfig): number | undefined;
  /** Logged when a run throws. */
  failure: string;
  /**
   * Opens the command's own clients before the first run (e.g. a Kafka producer); throws after
   * closing what it opened. `close` is the shutdown step `step`, before the pool closes.
   */
  open?(context: ScheduledContext): Promise<OpenedClients<Clients>>;
  /** One run; resolves with the summary written to stdout. */
  run(context: ScheduledContext & { clients: Clients }): Promise<string>;
}

/** Runs a scheduled command; resolves with the exit status (2 for usage or configuration errors). */
export async function runScheduledCommand<Clients>(
  argv: readonly string[],
  spec: ScheduledCommandSpec<Clients>,
): Promise<number> {
  const prefix = `eurostat-source ${spec.command}`;
  const command = parseScheduleArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${spec.usage}\n`);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`${prefix}: ${command.message}\n(see --help)\n`);
    return 2;
  }
  const config = loadServiceConfig(spec.service, () => loadEurostatConfig());
  const everyMs = command.everyMs ?? spec.defaultEveryMs(config);
  const runtime = createServiceRuntime({
    service: spec.service,
    config,
    logDestination: logFileOrStderr(config.logFile),
    metrics: createEurostatMetrics,
    oneShot: everyMs === undefined,
  });
  const { logger, metrics, shutdown } = runtime;
  const stop = runtime.signal;
  logger.info({ config, everyMs }, 'starting');
  const pool = createPool(config.databaseUrl, logger, spec.service);
  const context: ScheduledContext = { config, pool, logger, metrics, signal: stop };
  let opened: OpenedClients<Clients> | undefined;
  try {
    opened = await spec.open?.(context);
  } catch (err) {
    process.stderr.write(`${prefix}: ${(err as Error).message}\n`);
    await pool.end().catch(() => {});
    await shutdown.run('failed');
    return 1;
  }

  const component = COMPONENTS[spec.command];
  const runOnce = async () => {
    await ensureSchema(pool);
    const summary = await spec.run({ ...context, clients: opened?.clients as Clients });
    process.stdout.write(`${summary}\n`);
    metrics.shared.lastSuccess.set({ component }, Date.now() / 1000);
    return 0;
  };
  const loop = repeatRun(runOnce, {
    everyMs,
    signal: stop,
    onError: (err) => {
      const code = (err as { code?: unknown }).code;
      metrics.shared.errors.inc({ component, code: String(code ?? 'unknown') });
      logger.error({ err }, spec.failure);
      process.stderr.write(`${prefix}: ${(err as Error).message}\n`);
    },
  });
  shutdown.add('finish the run under way', async () => {
    await loop;
  });
  if (opened) shutdown.add(opened.step, opened.close);
  shutdown.add('close the PostgreSQL pool', () => pool.end());
  if (everyMs !== undefined) {
    await runtime.start(async () => {
      await runtime.serveHealth({
        schedule: () => {
          if (stop.aborted) throw new Error('shutting down');
        },
      });
    });
  }
  const exitCode = await loop;
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  return exitCode === 0 ? closed.exitCode : exitCode;
}
