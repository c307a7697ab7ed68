import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pickPort } from '../ports.js';
import { isAlive, startDaemon, waitUntil } from '../process-control.js';
import { ensureGoTool, VERSIONS } from '../tools.js';
import type { ServiceDriver, ServiceInstance, StartContext } from './service.js';

/** fake-gcs-server: the Cloud Storage JSON API over plain HTTP, objects kept on disk. */
export const gcsDriver: ServiceDriver = {
  name: 'gcs',
  externalEnv: 'STORAGE_EMULATOR_HOST',
  stopSignal: 'SIGTERM',

  async install(progress) {
    await ensureGoTool('fake-gcs-server', progress);
  },

  async start(ctx: StartContext): Promise<ServiceInstance> {
    const binary = await ensureGoTool('fake-gcs-server', ctx.progress);
    const port = await pickPort(ctx.previous?.ports.gcs ?? 4443, ctx.takenPorts);
    const root = join(ctx.stackDir, 'gcs');
    mkdirSync(root, { recursive: true });
    const url = `http://127.0.0.1:${port}`;
    const pid = startDaemon({
      command: binary,
      args: [
        '-scheme',
        'http',
        '-host',
        '127.0.0.1',
        '-port',
        String(port),
        '-public-host',
        `127.0.0.1:${port}`,
        '-external-url',
        url,
        '-backend',
        'filesystem',
        '-filesystem-root',
        root,
        '-log-level',
        'warn',
      ],
      logFile: join(ctx.stackDir, 'logs', 'gcs.log'),
    });
    // Emulator clients must not probe the GCE metadata server (a non-loopback address).
    const env = { STORAGE_EMULATOR_HOST: url, METADATA_SERVER_DETECTION: 'none' };
    await waitUntil('fake-gcs-server', () => this.check(env), {
      timeoutMs: 30_000,
      alive: () => isAlive(pid),
    });
    return {
      pid,
      ports: { gcs: port },
      env,
      startedAt: new Date().toISOString(),
      version: VERSIONS.fakeGcsServer,
    };
  },

  async check(env) {
    const response = await fetch(`${env.STORAGE_EMULATOR_HOST}/storage/v1/b`, {
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) throw new Error(`fake-gcs-server answered ${response.status}`);
  },
};
