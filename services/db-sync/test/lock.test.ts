// The per-database lock: a held one refuses a second sync; one left by a killed run is taken over,
// also when that run was a container (pid 1 again, another host name). No services needed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDatabase } from '../src/lock.js';

describe('lockDatabase', () => {
  let home: string;
  const lockFile = () => join(home, 'sync_state', 'shop.lock');
  const leave = (content: string) => {
    mkdirSync(join(home, 'sync_state'), { recursive: true });
    writeFileSync(lockFile(), content);
  };
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('refuses a second holder in the same process, and frees the lock on release', () => {
    home = mkdtempSync(join(tmpdir(), 'db-sync-lock-'));
    const release = lockDatabase(home, 'shop');
    expect(() => lockDatabase(home, 'shop')).toThrow(
      expect.objectContaining({
        code: 'LS_DB_SYNC_LOCKED',
        message: `database shop is being synced by process ${process.pid} (lock ${lockFile()})`,
      }),
    );
    release();
    lockDatabase(home, 'shop')();
  });

  it('takes over a lock whose process is gone', () => {
    home = mkdtempSync(join(tmpdir(), 'db-sync-lock-'));
    leave(`2147483646 ${hostname()}\n`);
    const release = lockDatabase(home, 'shop');
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
    release();
  });

  it("takes over a killed container run's lock: another host, or this pid outside this process", () => {
    home = mkdtempSync(join(tmpdir(), 'db-sync-lock-'));
    leave(`1 db-sync-28911234-xk2lp\n`);
    lockDatabase(home, 'shop')();
    leave(`${process.pid} ${hostname()}\n`);
    lockDatabase(home, 'shop')();
  });

  it('refuses a lock held by a live process of this host', () => {
    home = mkdtempSync(join(tmpdir(), 'db-sync-lock-'));
    leave(`${process.ppid} ${hostname()}\n`);
    expect(() => lockDatabase(home, 'shop')).toThrow(
      expect.objectContaining({
        code: 'LS_DB_SYNC_LOCKED',
        message: expect.stringContaining(`process ${process.ppid}`),
      }),
    );
  });
});
