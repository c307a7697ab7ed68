import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDatabaseState } from '../src/state.js';
import { service, testConfig } from './support/harness.js';
import { freshDatabase } from './support/source.js';
import { recordsOf, standIn } from './support/warehouse-stand-in.js';

const TYPES = `
CREATE TABLE typed (
  id BIGINT UNSIGNED PRIMARY KEY,
  amount DECIMAL(20,6),
  happened DATETIME(6),
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  note VARCHAR(50),
  payload BLOB,
  small INT
);
INSERT INTO typed VALUES
  (18446744073709551615, 12345678901234.123456, '2024-02-29 23:59:59.999999', '2024-03-01 00:00:00.000001', 'ünïcode', X'00FF10', -7),
  (1, NULL, NULL, '2024-03-01 00:00:00.000002', NULL, NULL, NULL);
CREATE TABLE events (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL);
`;

describe('the read', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let env: ReturnType<typeof testConfig>;
  let svc: Awaited<ReturnType<typeof service>>;
  let loader: Awaited<ReturnType<typeof standIn>>;

  beforeAll(async () => {
    db = await freshDatabase(TYPES);
    env = testConfig([db.name], ['typed', 'events'], { SAFE_WINDOW_SECONDS: '0' });
    svc = await service(env.config);
    loader = await standIn(svc, [db.name]);
  });
  afterAll(async () => {
    await loader?.close();
    await svc?.close();
    await db?.drop();
    env?.cleanup();
  });

  it('publishes every value exactly: microseconds, DECIMAL, BIGINT UNSIGNED max, NULLs, BLOB', async () => {
    const results = await svc.run({ tables: ['typed'] });
    expect(results).toMatchObject([
      { table: 'typed', status: 'ok', mode: 'full', write: 'replace', rows: 2 },
    ]);
    const batch = loader.batches.find((b) => b.table === 'typed')!;
    expect(batch).toMatchObject({
      mode: 'full',
      write: 'replace',
      primary_key: ['id'],
      cursor_column: 'updated_at',
      records: 2,
      rows: 2,
    });
    expect(batch.watermark_to).toBe('2024-03-01 00:00:00.000002+00:00');
    const records = await recordsOf(svc.kafka, batch);
    const byKey = new Map(records.map((r) => [r.key, r.record]));
    expect(byKey.get('["18446744073709551615"]')?.row).toEqual({
      id: '18446744073709551615',
      amount: '12345678901234.123456',
      happened: '2024-02-29 23:59:59.999999',
      updated_at: '2024-03-01 00:00:00.000001+00:00',
      note: 'ünïcode',
      payload: Buffer.from([0, 255, 16]).toString('base64'),
      small: -7,
    });
    expect(byKey.get('["1"]')?.row).toEqual({
      id: '1',
      amount: null,
      happened: null,
      updated_at: '2024-03-01 00:00:00.000002+00:00',
      note: null,
      payload: null,
      small: null,
    });
    expect(byKey.get('["1"]')).toMatchObject({
      op: 'replace',
      attempt: 1,
      columns: { amount: 'decimal(20,6)' },
    });
    const state = readDatabaseState(env.home, db.name).tables.typed!;
    expect(state).toMatchObject({
      watermark: '2024-03-01 00:00:00.000002',
      watermark_kind: 'timestamp',
      status: 'ok',
      rows: 2,
    });
    expect(readFileSync(join(env.home, 'sync_state', `${db.name}.json`), 'utf8')).not.toContain(
      '.tmp',
    );
  });

  it('publishes every row of a timestamp tie split across two syncs, and a late commit within the window', async () => {
    const tie = '2024-05-01 10:00:00.123456';
    const values = Array.from({ length: 50 }, (_, i) => `(${i + 1}, '${tie}')`).join(',');
    await db.admin.query(`INSERT INTO ${db.name}.events VALUES ${values}`);
    const first = await svc.run({ tables: ['events'] });
    expect(first[0]).toMatchObject({ status: 'ok', mode: 'full', rows: 50 });
    // More rows with the very same timestamp arrive after the first sync read the boundary.
    const more = Array.from({ length: 50 }, (_, i) => `(${i + 51}, '${tie}')`).join(',');
    await db.admin.query(`INSERT INTO ${db.name}.events VALUES ${more}`);
    const second = await svc.run({ tables: ['events'] });
    expect(second[0]).toMatchObject({ status: 'ok', mode: 'incremental', write: 'merge' });
    const batch = loader.batches.filter((b) => b.table === 'events').at(-1)!;
    const ids = (await recordsOf(svc.kafka, batch)).map((r) => Number(r.record.row!.id));
    for (let id = 51; id <= 100; id++) expect(ids).toContain(id);
    expect(batch.watermark_from).toBe(tie);

    // Late commit: a row whose change time is older than the watermark but inside the window.
    await db.admin.query(`INSERT INTO ${db.name}.events VALUES (200, '2024-05-01 11:00:00')`);
    await svc.run({ tables: ['events'] });
    await db.admin.query(`INSERT INTO ${db.name}.events VALUES (201, '2024-05-01 10:58:00')`);
    const windowed = testConfig([db.name], ['events'], {
      SAFE_WINDOW_SECONDS: '300',
      DB_SYNC_BATCHES_TOPIC: env.config.batchesTopic,
      DB_SYNC_APPLIED_TOPIC: env.config.appliedTopic,
    });
    try {
      // Same state: the window is a read setting, the watermark is the state's.
      const late = await service({
        ...windowed.config,
        lakestreamHome: env.home,
      } as typeof windowed.config);
      try {
        const run = await late.run({ tables: ['events'] });
        expect(run[0]).toMatchObject({ status: 'ok', mode: 'incremental' });
      } finally {
        await late.close();
      }
    } finally {
      windowed.cleanup();
    }
    const lateBatch = loader.batches.filter((b) => b.table === 'events').at(-1)!;
    const lateIds = (await recordsOf(svc.kafka, lateBatch)).map((r) => Number(r.record.row!.id));
    expect(lateIds).toContain(201);
    expect(lateIds).toContain(200);
  });
});
