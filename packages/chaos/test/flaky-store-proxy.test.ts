import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlakyStoreProxy, startFlakyStoreProxy } from '../src/flaky-store-proxy.js';

// The upstream stands for fake-gcs-server: an echo of what reached it.
let upstream: Server;
let proxy: FlakyStoreProxy;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body })));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await startFlakyStoreProxy(
    `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  );
});

afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('the flaky store proxy', () => {
  it('forwards requests and their bodies unchanged outside a burst', async () => {
    const res = await fetch(`${proxy.url}/upload/storage/v1/b/x/o?name=a`, {
      method: 'POST',
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      method: 'POST',
      url: '/upload/storage/v1/b/x/o?name=a',
      body: 'hello',
    });
  });

  it('answers 503 during a burst, then forwards again', async () => {
    const before = proxy.stats.refused;
    proxy.burst(300);
    const refused = await fetch(`${proxy.url}/storage/v1/b/x/o`, { method: 'POST', body: 'x' });
    expect(refused.status).toBe(503);
    expect(proxy.stats.refused).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await fetch(`${proxy.url}/storage/v1/b/x/o`)).status).toBe(200);
  });
});
