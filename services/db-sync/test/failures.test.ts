import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDatabaseState } from '../src/state.js';
import { service, testConfig } from './support/harness.js';
import { freshDatabase, mysqlUrl } from './support/source.js';
import { standIn } from './support/warehouse-stand-in.js';

describe('failures leave the state where it was', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase(`
      CREATE TABLE orders (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL);
      INSERT INTO orders VALUES (1, '2024-01-01 00:00:00'), (2, '2024-01-02 00:00:00');`);
  });
  afterAll(async () => db?.drop());

  it('without a confirmation the run fails with a clear timeout and the watermark does not move', async () => {
    const env = testConfig([db.name], ['orders'], { DB_SYNC_APPLY_TIMEOUT: '3s' });
    const svc = await service(env.config);
    const loader = await standIn(svc, [db.name], { confirm: false });
    try {
      const [result] = await svc.run();
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'LS_DB_SYNC_APPLY_TIMEOUT' },
      });
      expect(result!.error!.message).toContain(
        "batch announced but not applied within 3s: is the warehouse loader's db worker running?",
      );
      expect(loader.batches).toHaveLength(1);
      const state = readDatabaseState(env.home, db.name).tables.orders!;
      expect(state).toMatchObject({ watermark: null, status: 'failed' });
      expect(state.last_error).toContain('not applied within');
    } finally {
      await loader.close();
      await svc.close();
      env.cleanup();
    }
  });

  it('a batch the warehouse rejects fails the table at once, with the reason, the watermark kept', async () => {
    const env = testConfig([db.name], ['orders']);
    const svc = await service(env.config);
    const loader = await standIn(svc, [db.name], {
      reject: { code: 'LS_LOADER_DB_NOT_IN_BRONZE', message: 'no bronze manifest covers it' },
    });
    try {
      const began = Date.now();
      const [result] = await svc.run();
      expect(result).toMatchObject({ status: 'failed', error: { code: 'LS_DB_SYNC_REJECTED' } });
      expect(result!.error!.message).toContain('LS_LOADER_DB_NOT_IN_BRONZE');
      // Not the apply timeout (60 s here): the answer ends the wait.
      expect(Date.now() - began).toBeLessThan(30_000);
      const state = readDatabaseState(env.home, db.name).tables.orders!;
      expect(state).toMatchObject({ watermark: null, status: 'failed' });
    } finally {
      await loader.close();
      await svc.close();
      env.cleanup();
    }
  });

  it('names an unknown database or table, and never prints the password', async () => {
    const env = testConfig([db.name, 'no_such_db'], ['orders', 'no_such_table']);
    const svc = await service(env.config);
    const loader = await standIn(svc, [db.name]);
    try {
      const results = await svc.run();
      const byName = new Map(results.map((r) => [`${r.database}.${r.table}`, r]));
      expect(byName.get(`${db.name}.orders`)).toMatchObject({ status: 'ok' });
      expect(byName.get(`${db.name}.no_such_table`)?.error).toMatchObject({
        code: 'LS_DB_SYNC_UNKNOWN_TABLE',
        message: `table 'no_such_table' does not exist in database '${db.name}'`,
      });
      expect(byName.get('no_such_db.orders')?.error).toMatchObject({
        code: 'LS_DB_SYNC_UNKNOWN_DATABASE',
        message: expect.stringContaining("database 'no_such_db' does not exist"),
      });
    } finally {
      await loader.close();
      await svc.close();
      env.cleanup();
    }
  });

  it('a wrong password is one clear error, absent from the error text, the logs and the state', async () => {
    const url = new URL(mysqlUrl());
    const wrong = 'Wr0ng-pass-XYZZY';
    url.password = wrong;
    const env = testConfig([db.name], ['orders'], { MYSQL_URL: url.toString() });
    const svc = await service(env.config);
    try {
      const [result] = await svc.run();
      expect(result?.error?.code).toBe('LS_DB_SYNC_ACCESS_DENIED');
      expect(result?.error?.message).toContain(`refused user '${url.username}'`);
      expect(result?.error?.message).not.toContain(wrong);
      expect(svc.lines.join('')).not.toContain(wrong);
      expect(svc.lines.join('')).toContain('LS_DB_SYNC_ACCESS_DENIED');
      expect(JSON.stringify(env.config)).not.toContain(wrong);
      expect(existsSync(join(env.home, 'sync_state', `${db.name}.json`))).toBe(false);
    } finally {
      await svc.close();
      env.cleanup();
    }
  });
});

describe('a source fault', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase(`
      CREATE TABLE items (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL);
      INSERT INTO items VALUES (1, '2024-01-01 00:00:00'), (2, '2024-01-02 00:00:00');`);
  });
  afterAll(async () => db?.drop());

  it('retries the table as the next attempt after its connection is killed mid-read', async () => {
    const env = testConfig([db.name], ['items'], { DB_SYNC_BATCH_ROWS: '1' });
    const svc = await service(env.config);
    const loader = await standIn(svc, [db.name]);
    try {
      await db.admin.query(`LOCK TABLES ${db.name}.items WRITE`);
      const running = svc.run();
      // The fault: the read's connection is killed by the server while it waits on the lock.
      let target: number | undefined;
      for (let i = 0; i < 100 && target === undefined; i++) {
        const [rows] = await db.admin.query<RowDataPacket[]>(
          "SELECT ID FROM INFORMATION_SCHEMA.PROCESSLIST WHERE INFO LIKE 'SELECT MAX%'",
        );
        target = rows[0]?.ID as number | undefined;
        if (target === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(target).toBeDefined();
      await db.admin.query(`KILL ${target}`);
      await db.admin.query('UNLOCK TABLES');
      const [result] = await running;
      expect(result).toMatchObject({ status: 'ok', rows: 2 });
      const batch = loader.batches.at(-1)!;
      expect(batch.attempt).toBe(2);
      expect(readDatabaseState(env.home, db.name).tables.items).toMatchObject({
        status: 'ok',
        watermark: '2024-01-02 00:00:00.000000',
      });
    } finally {
      await loader.close();
      await svc.close();
      env.cleanup();
    }
  });
});
