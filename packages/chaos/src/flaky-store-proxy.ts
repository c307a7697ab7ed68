import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small HTTP proxy in front of fake-gcs-server that answers 503 while a burst is on. */
export interface FlakyStoreProxy {
  /** `http://127.0.0.1:<port>`: the STORAGE_EMULATOR_HOST the services get. */
  readonly url: string;
  /** Starts answering every request with 503 for `ms` milliseconds. */
  burst(ms: number): void;
  /** Bursts so far and requests refused by them. */
  readonly stats: { bursts: number; refused: number; forwarded: number };
  close(): Promise<void>;
}

/**
 * Forwards every request to `target` (fake-gcs-server's origin) unchanged, except during a burst,
 * when it answers 503 the way Cloud Storage does when it is overloaded. The request body is read
 * to its end first, so the client sees an HTTP answer rather than a reset connection.
 */
export async function startFlakyStoreProxy(target: string): Promise<FlakyStoreProxy> {
  const upstream = new URL(target);
  let failingUntil = 0;
  const stats = { bursts: 0, refused: 0, forwarded: 0 };
  const server: Server = createServer((req, res) => {
    if (Date.now() < failingUntil) {
      stats.refused += 1;
      req.resume();
      req.once('end', () => {
        const body = JSON.stringify({
          error: { code: 503, message: 'Service Unavailable (fault suite burst)' },
        });
        res.writeHead(503, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      });
      return;
    }
    stats.forwarded += 1;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.once('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    burst(ms) {
      stats.bursts += 1;
      failingUntil = Math.max(failingUntil, Date.now() + ms);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
