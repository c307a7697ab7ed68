import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureStack, stackStatus, stopStack } from '../src/index.js';

const run = promisify(execFile);

/** One statement through Debian's `mariadb` client over TCP, as a user of the stack would. */
async function mariadb(url: string, sql: string): Promise<string[]> {
  const target = new URL(url);
  const { stdout } = await run(
    'mariadb',
    [
      '--no-defaults',
      '--protocol=TCP',
      `--host=${target.hostname}`,
      `--port=${target.port}`,
      `--user=${target.username}`,
      '--batch',
      '--skip-column-names',
      `--execute=${sql}`,
    ],
    { env: { ...process.env, MYSQL_PWD: target.password } },
  );
  return stdout.trim().split('\n');
}

function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

/** Holds 127.0.0.1:port while the test runs, when it is free; undefined when it is taken already. */
function hold(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

describe('MariaDB in the local stack', () => {
  // A home of its own: a server of its own, on another port than any other stack's.
  const home = mkdtempSync(join(tmpdir(), 'lakestream-devstack-mariadb-'));
  const options = { home, env: {}, services: ['mariadb'] as const };
  afterAll(async () => {
    await stopStack({ home });
    rmSync(home, { recursive: true, force: true });
  });

  it('initialises once, serves the lakestream user over TCP, is reused, and stops cleanly', async () => {
    // 3306 taken (by us, or already by someone else): the server must take another port.
    const blocker = await hold(3306);
    const fresh = Date.now();
    const first = await ensureStack(options).finally(() => blocker?.close());
    const freshMs = Date.now() - fresh;
    expect(first.origins).toEqual({ mariadb: 'started' });
    expect(first.env.MYSQL_URL).toMatch(/^mysql:\/\/lakestream:lakestream@127\.0\.0\.1:\d+$/);
    const url = first.env.MYSQL_URL!;
    expect(new URL(url).port).not.toBe('3306');
    expect(readFileSync(join(home, 'devstack', 'env'), 'utf8')).toContain(`MYSQL_URL=${url}\n`);

    const state = JSON.parse(readFileSync(join(home, 'devstack', 'state.json'), 'utf8'));
    const { pid, version } = state.services.mariadb as { pid: number; version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+-MariaDB/);

    // The user may create databases; the server is a disposable one of its own (own socket, UTC).
    await mariadb(url, 'create database devstack_probe');
    await mariadb(
      url,
      'create table devstack_probe.t (id bigint primary key, name varchar(20), at datetime(6));' +
        "insert into devstack_probe.t values (1, 'México', '2024-02-29 23:59:59.123456')",
    );
    expect(await mariadb(url, 'select id, name, at from devstack_probe.t')).toEqual([
      '1\tMéxico\t2024-02-29 23:59:59.123456',
    ]);
    const [settings] = await mariadb(
      url,
      'select @@socket, @@time_zone, @@character_set_server, @@bind_address, @@max_connections',
    );
    const [socket, ...rest] = settings!.split('\t');
    expect(socket).not.toBe('/run/mysqld/mysqld.sock');
    expect(rest).toEqual(['+00:00', 'utf8mb4', '127.0.0.1', '500']);
    expect((await stackStatus({ home })).find((s) => s.name === 'mariadb')).toMatchObject({
      running: true,
      healthy: true,
      env: { MYSQL_URL: url },
    });

    const second = await ensureStack(options);
    expect(second.origins).toEqual({ mariadb: 'reused' });
    expect(second.env).toEqual(first.env);
    await second.stop(); // stops nothing: it started nothing
    expect(await mariadb(url, 'select 1')).toEqual(['1']);

    await first.stop();
    await first.stop(); // idempotent
    expect(() => process.kill(pid, 0)).toThrow();
    expect(processesMentioning(home)).toEqual([]);
    // SIGTERM is a clean shutdown, not a crash the next start must recover from.
    expect(readFileSync(join(home, 'devstack', 'logs', 'mariadb.log'), 'utf8')).toMatch(
      /Shutdown complete/,
    );

    // A warm start: the same data directory, not initialised again.
    const warm = Date.now();
    const third = await ensureStack(options);
    const warmMs = Date.now() - warm;
    expect(third.origins).toEqual({ mariadb: 'started' });
    expect(await mariadb(third.env.MYSQL_URL!, 'select name from devstack_probe.t')).toEqual([
      'México',
    ]);
    console.log(`MariaDB ${version}: fresh start ${freshMs} ms, warm start ${warmMs} ms`);
    await third.stop();
  });

  it('uses the user’s own server when MYSQL_URL is set, and refuses one that does not answer without printing its password', async () => {
    const own = await ensureStack(options);
    const otherHome = mkdtempSync(join(tmpdir(), 'lakestream-devstack-mariadb-external-'));
    const handle = await ensureStack({
      home: otherHome,
      env: { MYSQL_URL: own.env.MYSQL_URL },
      services: ['mariadb'],
    });
    rmSync(otherHome, { recursive: true, force: true });
    expect(handle.origins).toEqual({ mariadb: 'external' });
    expect(handle.env).toEqual({ MYSQL_URL: own.env.MYSQL_URL });
    await handle.stop(); // never stops the user's server
    expect(await mariadb(own.env.MYSQL_URL!, 'select 1')).toEqual(['1']);

    const wrong = own.env.MYSQL_URL!.replace('lakestream:lakestream@', 'lakestream:s3cret-pw@');
    const refused = ensureStack({ home, env: { MYSQL_URL: wrong }, services: ['mariadb'] });
    await expect(refused).rejects.toThrow(
      /MYSQL_URL=mysql:\/\/lakestream:\[redacted\]@127\.0\.0\.1:\d+ does not answer/,
    );
    const err = (await refused.catch((e: unknown) => e)) as Error;
    const everything = `${err.message} ${(err.cause as Error).message} ${(err.cause as Error).stack}`;
    expect(everything).toContain('Access denied');
    expect(everything).not.toContain('s3cret-pw');
    await own.stop();
  });
});
