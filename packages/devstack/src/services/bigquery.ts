import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pickPort } from '../ports.js';
import { isAlive, startDaemon, stopDaemon, waitUntil } from '../process-control.js';
import { ensureGoTool, VERSIONS } from '../tools.js';
import type { ServiceDriver, ServiceInstance, StartContext } from './service.js';

/** The project id the local BigQuery emulator serves. */
export const BIGQUERY_EMULATOR_PROJECT = 'lakestream-local';

/** Where one emulator process listens and keeps its database. */
export interface BigQueryEmulatorProcess {
  binary: string;
  port: number;
  grpcPort: number;
  /** Holds emulator.db and the compiled SQL engine's cache. */
  dir: string;
  logFile: string;
  /** fake-gcs-server, which load jobs read `gs://` URIs from. */
  storageEmulatorHost?: string;
  readyTimeoutMs?: number;
}

/**
 * Starts one emulator process and waits until it answers: the stack's and a run's private one
 * start the same way. A process that does not become ready is stopped, so its ports are free again.
 */
export async function startBigQueryEmulator(
  options: BigQueryEmulatorProcess,
): Promise<{ pid: number; env: Record<string, string> }> {
  const { dir } = options;
  const pid = startDaemon({
    command: options.binary,
    args: [
      `--project=${BIGQUERY_EMULATOR_PROJECT}`,
      '--host=127.0.0.1',
      `--port=${options.port}`,
      `--grpc-port=${options.grpcPort}`,
      `--database=${join(dir, 'emulator.db')}`,
      '--log-level=warn',
    ],
    logFile: options.logFile,
    cwd: dir,
    env: {
      ...process.env,
      ...(options.storageEmulatorHost
        ? { STORAGE_EMULATOR_HOST: options.storageEmulatorHost }
        : {}),
      // Compile the embedded SQL engine once and keep it: the interpreter is about 2x slower.
      GOOGLESQLITE_WASM_COMPILATION_MODE: 'compiler',
      GOOGLESQLITE_WASM_CACHE_DIR: join(dir, 'wasm-cache'),
    },
  });
  const env = {
    BIGQUERY_EMULATOR_HOST: `http://127.0.0.1:${options.port}`,
    BIGQUERY_PROJECT: BIGQUERY_EMULATOR_PROJECT,
    // Emulator clients must not probe the GCE metadata server (a non-loopback address).
    METADATA_SERVER_DETECTION: 'none',
  };
  try {
    await waitUntil(
      `BigQuery emulator at ${env.BIGQUERY_EMULATOR_HOST}`,
      () => bigqueryDriver.check(env),
      {
        timeoutMs: options.readyTimeoutMs ?? 120_000,
        alive: () => isAlive(pid),
      },
    );
  } catch (err) {
    await stopDaemon(pid, { signal: 'SIGTERM', graceMs: 10_000 });
    throw err;
  }
  return { pid, env };
}

/** goccy/bigquery-emulator (pure Go build), reading gs:// through fake-gcs-server. */
export const bigqueryDriver: ServiceDriver = {
  name: 'bigquery',
  externalEnv: 'BIGQUERY_EMULATOR_HOST',
  stopSignal: 'SIGTERM',

  async install(progress) {
    await ensureGoTool('bigquery-emulator', progress);
  },

  async start(ctx: StartContext): Promise<ServiceInstance> {
    const binary = await ensureGoTool('bigquery-emulator', ctx.progress);
    const gcs = ctx.running.gcs?.env.STORAGE_EMULATOR_HOST;
    const port = await pickPort(ctx.previous?.ports.http ?? 9050, ctx.takenPorts);
    const grpcPort = await pickPort(ctx.previous?.ports.grpc ?? 9060, ctx.takenPorts);
    const dir = join(ctx.stackDir, 'bigquery');
    mkdirSync(dir, { recursive: true });
    const { pid, env } = await startBigQueryEmulator({
      binary,
      port,
      grpcPort,
      dir,
      logFile: join(ctx.stackDir, 'logs', 'bigquery.log'),
      ...(gcs ? { storageEmulatorHost: gcs } : {}),
    });
    return {
      pid,
      ports: { http: port, grpc: grpcPort },
      env,
      startedAt: new Date().toISOString(),
      version: VERSIONS.bigqueryEmulator,
    };
  },

  async check(env) {
    const project = env.BIGQUERY_PROJECT ?? BIGQUERY_EMULATOR_PROJECT;
    const response = await fetch(
      `${env.BIGQUERY_EMULATOR_HOST}/bigquery/v2/projects/${project}/datasets`,
      {
        signal: AbortSignal.timeout(3_000),
      },
    );
    if (!response.ok) throw new Error(`BigQuery emulator answered ${response.status}`);
  },
};
