import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbSyncError } from '../src/errors.js';
import { lockDatabase } from '../src/lock.js';
import { DatabaseStateStore, readDatabaseState, stateDir } from '../src/state.js';
import { service, testConfig } from './support/harness.js';
import { freshDatabase } from './support/source.js';
import { recordsOf, standIn } from './support/warehouse-stand-in.js';

describe('modes, reconcile and state', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let env: ReturnType<typeof testConfig>;
  let svc: Awaited<ReturnType<typeof service>>;
  let loader: Awaited<ReturnType<typeof standIn>>;

  beforeAll(async () => {
    db = await freshDatabase(`
      CREATE TABLE keyed (region CHAR(2), id INT, modified_at DATETIME(6) NOT NULL, PRIMARY KEY (id, region));
      CREATE TABLE unkeyed (v INT, ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));
      CREATE TABLE plain (id INT PRIMARY KEY, name VARCHAR(10));
      CREATE TABLE overridden (id INT PRIMARY KEY, changed DATETIME, updated_at DATETIME);
      INSERT INTO keyed VALUES ('eu', 2, '2024-01-01'), ('us', 1, '2024-01-01'), ('eu', 1, '2024-01-01');
      INSERT INTO unkeyed (v, ts) VALUES (1, '2024-01-01'), (1, '2024-01-01');
      INSERT INTO plain VALUES (1, 'a');
      INSERT INTO overridden VALUES (1, '2024-01-01', NULL);`);
    env = testConfig([db.name], ['keyed', 'unkeyed', 'plain', 'overridden'], {
      TIMESTAMP_COLUMNS: 'overridden=changed',
      DB_SYNC_RECONCILE_RANGE: '2',
    });
    svc = await service(env.config);
    loader = await standIn(svc, [db.name]);
  });
  afterAll(async () => {
    await loader?.close();
    await svc?.close();
    await db?.drop();
    env?.cleanup();
  });

  it('decides key, cursor, mode and write per table, and prints it', async () => {
    const first = await svc.run();
    expect(first.map((r) => [r.table, r.status, r.mode, r.write])).toEqual([
      ['keyed', 'ok', 'full', 'replace'],
      ['unkeyed', 'ok', 'full', 'replace'],
      ['plain', 'ok', 'full', 'replace'],
      ['overridden', 'ok', 'full', 'replace'],
    ]);
    expect(svc.printed).toContain(
      `${db.name}.keyed: key id,region, cursor modified_at, mode full, write replace`,
    );
    expect(svc.printed).toContain(
      `${db.name}.overridden: key id, cursor changed, mode full, write replace`,
    );
    expect(svc.printed).toContain(
      `${db.name}.plain: key id, cursor (none), mode full, write replace`,
    );
    const second = await svc.run();
    expect(second.map((r) => [r.table, r.mode, r.write])).toEqual([
      ['keyed', 'incremental', 'merge'],
      ['unkeyed', 'incremental', 'append'],
      ['plain', 'full', 'replace'],
      ['overridden', 'incremental', 'merge'],
    ]);
    // Two identical rows without a key: both published, under the same row-hash key.
    const unkeyed = loader.batches.filter((b) => b.table === 'unkeyed').at(-1)!;
    const records = await recordsOf(svc.kafka, unkeyed);
    expect(records).toHaveLength(2);
    expect(records[0]!.key).toMatch(/^[0-9a-f]{64}$/);
    expect(records[0]!.key).toBe(records[1]!.key);
    expect(records[0]!.record.op).toBe('append');
    const full = await svc.run({ full: true, tables: ['keyed'] });
    expect(full[0]).toMatchObject({ mode: 'full', write: 'replace' });
  });

  it('--reconcile publishes the keys in key order, range by range', async () => {
    const results = await svc.run({ reconcile: true, tables: ['keyed', 'unkeyed'] });
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    const batch = loader.batches.find((b) => b.table === 'keyed' && b.mode === 'reconcile')!;
    expect(batch).toMatchObject({
      write: 'reconcile',
      rows: 3,
      records: 2,
      primary_key: ['id', 'region'],
    });
    const records = (await recordsOf(svc.kafka, batch)).map((r) => r.record);
    const keys = records.flatMap((r) => r.keys ?? []);
    expect(keys.sort()).toEqual([
      [1, 'eu'],
      [1, 'us'],
      [2, 'eu'],
    ]);
    expect(records.every((r) => r.op === 'keys' && (r.keys?.length ?? 0) <= 2)).toBe(true);
    expect(loader.batches.some((b) => b.table === 'unkeyed' && b.mode === 'reconcile')).toBe(false);
  });

  it('reports schema drift in the state', async () => {
    await db.admin.query(`ALTER TABLE ${db.name}.keyed ADD COLUMN note VARCHAR(5)`);
    await svc.run({ tables: ['keyed'] });
    const state = readDatabaseState(env.home, db.name).tables.keyed!;
    expect(state.schema_changes).toContainEqual(
      expect.objectContaining({ kind: 'added', column: 'note', source: 'drift' }),
    );
  });

  it('deleting the state file forces a full resync', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(join(stateDir(env.home), `${db.name}.json`));
    const [result] = await svc.run({ tables: ['keyed'] });
    expect(result).toMatchObject({ mode: 'full', write: 'replace' });
  });

  it('refuses a second sync of a database whose lock is held, and an unreadable state', async () => {
    const release = lockDatabase(env.home, db.name);
    try {
      const [result] = await svc.run({ tables: ['plain'] });
      expect(result?.error?.code).toBe('LS_DB_SYNC_LOCKED');
    } finally {
      release();
    }
    writeFileSync(join(env.home, 'sync_state', 'broken.json'), '{"version":');
    expect(() => new DatabaseStateStore(env.home, 'broken')).toThrow(DbSyncError);
  });
});
