import { join } from 'node:path';
import { createKafka } from '@lakestream/kafka';
import type { DbSyncApplied } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbDuckdbWriter } from '../src/db-duckdb.js';
import { createDbWorker } from '../src/db-worker.js';
import type { Worker } from '../src/worker.js';
import { col, DbSource } from './support/db-source.js';
import { queryDuckdb, silentLogger, TestBed } from './support/test-bed.js';

/** Longest a batch may take, on a busy machine: manifest feed, coverage, DuckDB, confirmation. */
const APPLIED_WITHIN_MS = 60_000;
/** The worker's wait for bronze coverage in these tests. */
const COVERAGE_TIMEOUT_MS = 2_000;

describe('db worker (real Kafka, local lake, DuckDB)', () => {
  const bed = new TestBed();
  let kafka: Kafka;
  let store: ObjectStore;
  let source: DbSource;
  let worker: Worker;
  let path: string;

  beforeAll(async () => {
    kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'warehouse-loader-db-test',
      logger: silentLogger,
    });
    store = await bed.localStore();
    path = join(await bed.folder(), 'warehouse.duckdb');
    source = new DbSource(kafka, store);
    await source.start();
    worker = createDbWorker({
      kafka,
      writer: createDbDuckdbWriter({ path, store }),
      batchesTopic: source.batchesTopic,
      appliedTopic: source.appliedTopic,
      bronzeFilesTopic: source.bronzeFilesTopic,
      groupId: `test-loader-db-${bed.id}`,
      sessionTimeoutMs: 10_000,
      coverageTimeoutMs: COVERAGE_TIMEOUT_MS,
      retryDelayMs: 300,
      retry: { retries: 20, baseMs: 20, maxMs: 200 },
      logger: silentLogger,
    });
    await worker.start();
  });

  afterAll(async () => {
    worker?.stopIntake();
    await worker?.flush();
    await worker?.close();
    await source?.stop();
    await bed.cleanup();
  });

  const table = (name: string) => `src_${source.database}.${name}`;
  const rows = (sql: string) => queryDuckdb(path, sql);

  async function applied(runId: string, table: string, nth = 1): Promise<DbSyncApplied> {
    let found: DbSyncApplied[] = [];
    await expect
      .poll(
        () => {
          found = source.confirmations.filter((c) => c.run_id === runId && c.table === table);
          return found.length;
        },
        { timeout: APPLIED_WITHIN_MS, interval: 100 },
      )
      .toBeGreaterThanOrEqual(nth);
    return found[nth - 1]!;
  }

  it('replace: every kind of value lands exactly; a second FULL run makes the table exactly its rows', async () => {
    const columns = [
      col('id', 'int(11)', 1),
      col('big', 'bigint(20) unsigned', 2),
      col('price', 'decimal(12,2)', 3),
      col('wide', 'decimal(65,10)', 4),
      col('f', 'double', 5),
      col('d', 'date', 6),
      col('t', 'time(6)', 7),
      col('dt', 'datetime(6)', 8),
      col('ts', 'timestamp(6)', 9),
      col('s', 'varchar(50)', 10),
      col('j', 'json', 11),
      col('b', 'blob', 12),
      col('u', 'int(10) unsigned', 13),
    ];
    const full = {
      id: 1,
      big: '18446744073709551615',
      price: '12345678.90',
      wide: '1234567890123456789012345678901234567890.0123456789',
      f: 0.1,
      d: '2024-02-29',
      t: '-838:59:59.000001',
      dt: '2024-03-31 01:59:59.999999',
      ts: '2024-03-31 01:59:59.000001+00:00',
      s: "it's ünïcode",
      j: '{"a":[1,2]}',
      b: Buffer.from([0, 1, 2, 255]).toString('base64'),
      u: 4294967295,
    };
    const empty = { id: 2, ...Object.fromEntries(columns.slice(1).map((c) => [c.name, null])) };
    const spec = { table: 'items', columns, primaryKey: ['id'], write: 'replace' as const };
    await source.run('run-1', { ...spec, rows: [full, empty] });
    const first = await applied('run-1', 'items');
    expect(first).toMatchObject({
      rows_in: 2,
      rows_after: 2,
      target: 'duckdb',
      target_table: table('items'),
    });

    const types = await rows(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'src_${source.database}' AND table_name = 'items' ORDER BY column_index`,
    );
    expect(Object.fromEntries(types.map((r) => [r.column_name, r.data_type]))).toEqual({
      id: 'INTEGER',
      big: 'UBIGINT',
      price: 'DECIMAL(12,2)',
      wide: 'VARCHAR',
      f: 'DOUBLE',
      d: 'DATE',
      t: 'INTERVAL',
      dt: 'TIMESTAMP',
      ts: 'TIMESTAMP WITH TIME ZONE',
      s: 'VARCHAR',
      j: 'JSON',
      b: 'BLOB',
      u: 'BIGINT',
      _ls_run_id: 'VARCHAR',
      _ls_synced_at: 'TIMESTAMP WITH TIME ZONE',
      _ls_deleted_at: 'TIMESTAMP WITH TIME ZONE',
      _ls_row_hash: 'VARCHAR',
    });
    const stored = await rows(
      `SET TimeZone = 'UTC'; SELECT id, big::VARCHAR AS big, price::VARCHAR AS price, wide, f, d::VARCHAR AS d, t::VARCHAR AS t,
        strftime(dt, '%Y-%m-%d %H:%M:%S.%f') AS dt, strftime(ts, '%Y-%m-%d %H:%M:%S.%f%z') AS ts, s, j::VARCHAR AS j,
        to_base64(b) AS b, u::VARCHAR AS u, _ls_run_id, _ls_deleted_at FROM ${table('items')} ORDER BY id`,
    );
    expect(stored).toEqual([
      {
        ...full,
        dt: '2024-03-31 01:59:59.999999',
        ts: '2024-03-31 01:59:59.000001+00',
        u: '4294967295',
        _ls_run_id: 'run-1',
        _ls_deleted_at: null,
      },
      { ...empty, _ls_run_id: 'run-1', _ls_deleted_at: null },
    ]);

    // The next FULL run holds only row 1, changed: the table is exactly that.
    await source.run('run-2', { ...spec, rows: [{ ...full, s: 'changed' }] });
    expect(await applied('run-2', 'items')).toMatchObject({ rows_in: 1, rows_after: 1 });
    expect(await rows(`SELECT id, s, _ls_run_id FROM ${table('items')}`)).toEqual([
      { id: 1, s: 'changed', _ls_run_id: 'run-2' },
    ]);
  });

  it('merge updates and inserts; reconcile marks a key gone; the row coming back clears the mark', async () => {
    const columns = [col('id', 'int(11)', 1), col('name', 'varchar(20)', 2)];
    const spec = { table: 'customers', columns, primaryKey: ['id'] };
    const names = (list: [number, string][]) => list.map(([id, name]) => ({ id, name }));
    await source.run('c-1', {
      ...spec,
      write: 'replace',
      rows: names([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ]),
    });
    await applied('c-1', 'customers');
    await source.run('c-2', {
      ...spec,
      write: 'merge',
      rows: names([
        [2, 'b2'],
        [4, 'd'],
      ]),
    });
    expect(await applied('c-2', 'customers')).toMatchObject({ rows_in: 2, rows_after: 4 });
    const view = `SELECT id, name, _ls_run_id AS run, _ls_deleted_at IS NOT NULL AS deleted FROM ${table('customers')} ORDER BY id`;
    expect(await rows(view)).toEqual([
      { id: 1, name: 'a', run: 'c-1', deleted: false },
      { id: 2, name: 'b2', run: 'c-2', deleted: false },
      { id: 3, name: 'c', run: 'c-1', deleted: false },
      { id: 4, name: 'd', run: 'c-2', deleted: false },
    ]);

    await source.run('c-3', { ...spec, write: 'reconcile', keyRanges: [[[1], [2]], [[4]]] });
    expect(await applied('c-3', 'customers')).toMatchObject({
      rows_in: 3,
      rows_after: 3,
      rows_deleted: 1,
    });
    expect((await rows(view)).map((r) => r.deleted)).toEqual([false, false, true, false]);

    await source.run('c-4', { ...spec, write: 'merge', rows: names([[3, 'c again']]) });
    expect(await applied('c-4', 'customers')).toMatchObject({ rows_after: 4 });
    expect((await rows(view))[2]).toEqual({ id: 3, name: 'c again', run: 'c-4', deleted: false });
  });

  it('append: an overlapping read adds no duplicate; a re-announced batch changes nothing and is confirmed again', async () => {
    const columns = [col('at', 'datetime(6)', 1), col('what', 'varchar(20)', 2)];
    const spec = { table: 'events', columns, primaryKey: [], write: 'append' as const };
    const a = { at: '2024-01-01 00:00:00.000001', what: 'a' };
    const b = { at: '2024-01-01 00:00:00.000002', what: 'b' };
    const c = { at: '2024-01-01 00:00:00.000002', what: 'c' };
    const first = await source.run('e-1', { ...spec, rows: [a, b] });
    const confirmation = await applied('e-1', 'events');
    await source.run('e-2', { ...spec, rows: [b, c] });
    expect(await applied('e-2', 'events')).toMatchObject({ rows_in: 2, rows_after: 3 });
    const view = `SELECT strftime("at", '%Y-%m-%d %H:%M:%S.%f') AS "at", what FROM ${table('events')} ORDER BY what`;
    expect(await rows(view)).toEqual([a, b, c]);

    await source.announce(first);
    expect(await applied('e-1', 'events', 2)).toEqual(confirmation);
    expect(await rows(view)).toEqual([a, b, c]);
    const book = await rows(
      `SELECT run_id, count(*) AS n FROM src_${source.database}._ls_sync_batches WHERE table_name = 'events' GROUP BY run_id ORDER BY run_id`,
    );
    expect(book).toEqual([
      { run_id: 'e-1', n: '1' },
      { run_id: 'e-2', n: '1' },
    ]);
  });

  it('drift: a new column is added, int → bigint and decimal widened, a dropped column kept', async () => {
    const before = [
      col('id', 'int(11)', 1),
      col('amount', 'decimal(10,2)', 2),
      col('gone', 'varchar(5)', 3),
    ];
    await source.run('o-1', {
      table: 'orders',
      columns: before,
      primaryKey: ['id'],
      write: 'replace',
      rows: [{ id: 1, amount: '99999999.99', gone: 'x' }],
    });
    await applied('o-1', 'orders');
    const after = [
      col('id', 'bigint(20)', 1),
      col('amount', 'decimal(14,2)', 2),
      col('extra', 'varchar(10)', 3),
    ];
    await source.run('o-2', {
      table: 'orders',
      columns: after,
      primaryKey: ['id'],
      write: 'merge',
      rows: [{ id: '9223372036854775807', amount: '999999999999.99', extra: 'new' }],
    });
    const confirmation = await applied('o-2', 'orders');
    expect(confirmation.schema_changes).toEqual([
      { kind: 'widened', column: 'id', from: 'int(11)', to: 'bigint(20)' },
      { kind: 'widened', column: 'amount', from: 'decimal(10,2)', to: 'decimal(14,2)' },
      { kind: 'added', column: 'extra', from: null, to: 'varchar(10)' },
      { kind: 'dropped_kept', column: 'gone', from: 'varchar(5)', to: null },
    ]);
    expect(
      await rows(
        `SELECT id::VARCHAR AS id, amount::VARCHAR AS amount, gone, extra FROM ${table('orders')} ORDER BY id`,
      ),
    ).toEqual([
      { id: '1', amount: '99999999.99', gone: 'x', extra: null },
      { id: '9223372036854775807', amount: '999999999999.99', gone: null, extra: 'new' },
    ]);
  });

  it('rejects a batch whose records never reach bronze, and applies the next one after it', async () => {
    // No bronze sink lands 'late-1' (its table's sink is not running): waiting for it for good
    // would hold every later batch of every table behind it.
    const { batch } = await source.publish('late-1', {
      table: 'late',
      columns: [col('id', 'int(11)', 1)],
      primaryKey: ['id'],
      write: 'replace',
      rows: [{ id: 1 }, { id: 2 }, { id: 3 }],
    });
    await source.announce(batch);
    const next = await source.publish('next-1', {
      table: 'after_late',
      columns: [col('id', 'int(11)', 1)],
      primaryKey: ['id'],
      write: 'replace',
      rows: [{ id: 7 }],
    });
    await next.land();
    await source.announce(next.batch);
    const rejected = await applied('late-1', 'late');
    expect(rejected).toMatchObject({ outcome: 'rejected', rows_in: 0 });
    expect(rejected.error?.code).toBe('LS_LOADER_DB_NOT_IN_BRONZE');
    const topic = batch.topic.replaceAll('.', '\\.');
    expect(rejected.error?.message).toMatch(
      new RegExp(`no bronze manifest of ${topic} covers partition \\d offsets \\d+…\\d+`),
    );
    expect(await applied('next-1', 'after_late')).toMatchObject({ outcome: 'applied', rows_in: 1 });
    expect(await queryDuckdb(path, `SELECT id FROM ${table('after_late')}`)).toEqual([{ id: 7 }]);
    await expect.poll(() => readiness(worker), { timeout: APPLIED_WITHIN_MS }).toBe('ready');
  });
});

function readiness(worker: Worker): string {
  try {
    worker.checkReady();
    return 'ready';
  } catch (err) {
    return (err as Error).message;
  }
}
