import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { LakestreamError } from '@lakestream/config';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** A readiness check: resolves when the dependency is usable, throws (or rejects) when not. */
export type ReadinessCheck = () => Promise<void> | void;

/** Named readiness checks, as a record (`{ kafka: check }`) or a list (`[{ name, check }]`). */
export type ReadinessChecks =
  | Readonly<Record<string, ReadinessCheck>>
  | ReadonlyArray<{ readonly name: string; readonly check: ReadinessCheck }>;

/** Options of `startHealthServer`. */
export interface HealthServerOptions {
  /** Port to listen on; 0 picks a free port (see the returned `port`). */
  port: number;
  /** Interface to bind; default `127.0.0.1`. Use `0.0.0.0` in a container. */
  host?: string;
  /** Registry served on /metrics. */
  registry: Registry;
  /** Logger for start, stop and readiness changes. */
  logger: Logger;
  /** Checks run on every /readyz request, concurrently; none means always ready. */
  readiness?: ReadinessChecks;
  /** Time one check may take before it counts as failed; default 2000 ms. */
  checkTimeoutMs?: number;
  /**
   * When `port` is taken, listen on a free port instead (logged as a warning) rather than fail:
   * a leftover process of another run must not keep a pipeline stage from starting. Default true.
   */
  fallbackToFreePort?: boolean;
  /** Where to write the port actually bound (decimal, newline), for whoever supervises the process. */
  portFile?: string;
}

/** A running health server. */
export interface HealthServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops listening; safe to call more than once. */
  close(): Promise<void>;
}

/** The result of one readiness check, as returned in the /readyz body. */
export interface CheckResult {
  /** The check's name. */
  name: string;
  /** Whether it passed. */
  ok: boolean;
  /** Why it failed. */
  error?: string;
  /** How long it took. */
  durationMs: number;
}

function listChecks(checks: ReadinessChecks | undefined) {
  if (checks === undefined) return [];
  if (Array.isArray(checks)) return [...checks];
  return Object.entries(checks).map(([name, check]) => ({ name, check }));
}

async function runCheck(name: string, check: ReadinessCheck, timeoutMs: number) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LakestreamError('LS_HEALTH_CHECK_TIMEOUT', `timed out after ${timeoutMs}ms`, {
            retryable: true,
            details: { check: name },
          }),
        ),
      timeoutMs,
    );
  });
  try {
    // `async () => check()` also turns a synchronous throw into a rejection.
    await Promise.race([(async () => check())(), timeout]);
    return { name, ok: true, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { name, ok: false, error, durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts the HTTP server Kubernetes and Prometheus talk to:
 * `GET /healthz` – the process is alive (200 `{ status: 'ok' }`);
 * `GET /readyz` – every readiness check passed within its timeout (200), else 503 listing each
 * check with the failing ones' errors;
 * `GET /metrics` – the registry in Prometheus text format.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const host = options.host ?? '127.0.0.1';
  const checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
  const checks = listChecks(options.readiness);
  const log = options.logger.child({ component: 'health_server' });
  // Request logging is off: probes arrive every few seconds and would drown the useful lines.
  const app = Fastify({ logger: false });
  let wasReady: boolean | undefined;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const results: CheckResult[] = await Promise.all(
      checks.map(({ name, check }) => runCheck(name, check, checkTimeoutMs)),
    );
    const ready = results.every((result) => result.ok);
    // Log transitions only, not every probe.
    if (ready !== wasReady) {
      const failed = results.filter((result) => !result.ok);
      if (ready) log.info('ready');
      else log.warn({ failed }, 'not ready');
      wasReady = ready;
    }
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'unavailable', checks: results };
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    reply.header('content-type', options.registry.contentType);
    return body;
  });

  try {
    await listen(app, options, host, log);
  } catch (err) {
    await app.close();
    throw new LakestreamError(
      'LS_HEALTH_LISTEN_FAILED',
      `cannot listen on ${host}:${options.port}`,
      {
        cause: err,
        details: { host, port: options.port },
      },
    );
  }
  const { port } = app.server.address() as AddressInfo;
  const url = baseUrl(host, port);
  log.info({ url }, 'health server listening');
  if (options.portFile !== undefined) await writePortFile(options.portFile, port);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= app.close().then(() => log.info('health server closed'));
      return closing;
    },
  };
}

async function listen(
  app: FastifyInstance,
  options: HealthServerOptions,
  host: string,
  log: Logger,
): Promise<void> {
  try {
    await app.listen({ port: options.port, host });
  } catch (err) {
    const taken = (err as { code?: string }).code === 'EADDRINUSE';
    if (!taken || options.port === 0 || options.fallbackToFreePort === false) throw err;
    log.warn(
      { err, port: options.port },
      `port ${options.port} is taken (another process listens there); using a free port instead`,
    );
    await app.listen({ port: 0, host });
  }
}

/** Written whole (temp file + rename), so a reader never sees half a number. */
async function writePortFile(path: string, port: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${port}\n`);
  await rename(temp, path);
}
