import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pickPort } from '../ports.js';
import { isAlive, startDaemon, waitUntil } from '../process-control.js';
import { ensureGoTool, VERSIONS } from '../tools.js';
import type { ServiceDriver, ServiceInstance, StartContext } from './service.js';

/** The project id the local BigQuery emulator serves. */
export const BIGQUERY_EMULATOR_PROJECT = 'lakestream-local';

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
    const pid = startDaemon({
      command: binary,
      args: [
        `--project=${BIGQUERY_EMULATOR_PROJECT}`,
        '--host=127.0.0.1',
        `--port=${port}`,
        `--grpc-port=${grpcPort}`,
        `--database=${join(dir, 'emulator.db')}`,
        '--log-level=warn',
      ],
      logFile: join(ctx.stackDir, 'logs', 'bigquery.log'),
      cwd: dir,
      env: {
        ...process.env,
        ...(gcs ? { STORAGE_EMULATOR_HOST: gcs } : {}),
        // Compile the embedded SQL engine once and keep it: the interpreter is about 2x slower.
        GOOGLESQLITE_WASM_COMPILATION_MODE: 'compiler',
        GOOGLESQLITE_WASM_CACHE_DIR: join(dir, 'wasm-cache'),
      },
    });
    const env = {
      BIGQUERY_EMULATOR_HOST: `http://127.0.0.1:${port}`,
      BIGQUERY_PROJECT: BIGQUERY_EMULATOR_PROJECT,
      // Emulator clients must not probe the GCE metadata server (a non-loopback address).
      METADATA_SERVER_DETECTION: 'none',
    };
    await waitUntil('BigQuery emulator', () => this.check(env), {
      timeoutMs: 120_000,
      alive: () => isAlive(pid),
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
