import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, startHealthServer } from '../src/health-server.js';
import { createLogger } from '../src/logger.js';
import { createMetrics, METRIC_NAMES } from '../src/metrics.js';
import { captureLogs } from './capture-logs.js';

const servers: HealthServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<Parameters<typeof startHealthServer>[0]> = {}) {
  const logs = captureLogs();
  const server = await startHealthServer({
    port: 0,
    registry: createMetrics({ service: 'test', defaultMetrics: false }).registry,
    logger: createLogger({ service: 'test', destination: logs.stream }),
    ...options,
  });
  servers.push(server);
  return { server, logs };
}

describe('startHealthServer', () => {
  it('binds an ephemeral port on 127.0.0.1 and answers /healthz', async () => {
    const { server } = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every check passes and 503 naming each failure', async () => {
    let kafkaUp = true;
    const { server, logs } = await start({
      readiness: {
        kafka: () => {
          if (!kafkaUp) throw new Error('no broker reachable');
        },
        postgres: async () => {},
      },
    });
    const ok = await fetch(`${server.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      status: 'ok',
      checks: [
        { name: 'kafka', ok: true },
        { name: 'postgres', ok: true },
      ],
    });

    kafkaUp = false;
    const failing = await fetch(`${server.url}/readyz`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toMatchObject({
      status: 'unavailable',
      checks: [
        { name: 'kafka', ok: false, error: 'no broker reachable' },
        { name: 'postgres', ok: true },
      ],
    });
    expect(logs.lines.some((line) => line.msg === 'not ready')).toBe(true);
  });

  it('/readyz fails a check that exceeds its timeout', async () => {
    const { server } = await start({
      checkTimeoutMs: 50,
      readiness: [{ name: 'stuck', check: () => new Promise<void>(() => {}) }],
    });
    const started = Date.now();
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      checks: [{ name: 'stuck', ok: false, error: 'timed out after 50ms' }],
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('/metrics serves the registry as Prometheus text', async () => {
    const metrics = createMetrics({ service: 'svc', defaultMetrics: false });
    metrics.receivedEvents.inc({ component: 'reader' }, 5);
    const { server } = await start({ registry: metrics.registry });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain(`${METRIC_NAMES.receivedEvents}{component="reader",service="svc"} 5`);
  });

  it('close() is idempotent and stops listening', async () => {
    const { server } = await start();
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('falls back to a free port when its port is taken, says so, and records the port', async () => {
    const { server: holder } = await start();
    const portFile = join(await mkdtemp(join(tmpdir(), 'health-')), 'run', 'sink.port');
    const { server, logs } = await start({ port: holder.port, portFile });
    expect(server.port).not.toBe(holder.port);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await readFile(portFile, 'utf8')).toBe(`${server.port}\n`);
    expect(
      logs.lines.some((l) => l.level === 'warn' && /port \d+ is taken/.test(String(l.msg))),
    ).toBe(true);
  });

  it('reports a port already in use as LS_HEALTH_LISTEN_FAILED when told not to fall back', async () => {
    const { server } = await start();
    await expect(start({ port: server.port, fallbackToFreePort: false })).rejects.toMatchObject({
      code: 'LS_HEALTH_LISTEN_FAILED',
    });
  });
});
