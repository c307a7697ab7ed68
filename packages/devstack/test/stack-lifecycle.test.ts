import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureStack, stackStatus, stopStack } from '../src/index.js';

function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

describe('devstack lifecycle', () => {
  // A home of its own: a second, independent stack on other ports.
  const home = mkdtempSync(join(tmpdir(), 'lakestream-devstack-'));
  // Open to others as a project folder or a clone is (mkdtemp makes it private).
  chmodSync(home, 0o755);
  const options = { home, env: {}, services: ['kafka', 'postgres', 'gcs'] as const };
  afterAll(async () => {
    await stopStack({ home });
    rmSync(home, { recursive: true, force: true });
  });

  it('starts, reuses, stops and leaves no process behind', async () => {
    const first = await ensureStack(options);
    expect(first.origins).toEqual({ kafka: 'started', postgres: 'started', gcs: 'started' });
    const state = JSON.parse(readFileSync(join(home, 'devstack', 'state.json'), 'utf8'));
    const pids = Object.values(state.services).map((s) => (s as { pid: number }).pid);
    expect(pids).toHaveLength(3);
    // The cluster is the home's own, as root too (the postgres user can reach this folder): removing
    // the home removes it.
    expect(existsSync(join(home, 'devstack', 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    expect((await stackStatus({ home })).filter((s) => s.healthy).map((s) => s.name)).toEqual([
      'kafka',
      'postgres',
      'gcs',
    ]);

    const second = await ensureStack(options);
    expect(second.origins).toEqual({ kafka: 'reused', postgres: 'reused', gcs: 'reused' });
    expect(second.env).toEqual(first.env);
    await second.stop(); // stops nothing: it started nothing
    expect((await stackStatus({ home })).filter((s) => s.healthy)).toHaveLength(3);

    await first.stop();
    await first.stop(); // idempotent
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(processesMentioning(home)).toEqual([]);
    expect((await stackStatus({ home })).some((s) => s.running)).toBe(false);
  });

  it('uses the user’s own service when its variable is set, and refuses one that does not answer', async () => {
    const handle = await ensureStack({
      home,
      env: { STORAGE_EMULATOR_HOST: process.env.STORAGE_EMULATOR_HOST },
      services: ['gcs'],
    });
    expect(handle.origins).toEqual({ gcs: 'external' });
    await handle.stop();
    await expect(
      ensureStack({
        home,
        env: { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db' },
        services: ['postgres'],
      }),
    ).rejects.toThrow(
      /DATABASE_URL=postgres:\/\/u:\[redacted\]@127\.0\.0\.1:1\/db does not answer/,
    );
  });
});
