import { BigQuery, type JobOptions } from '@google-cloud/bigquery';
import { createKafka } from '@lakestream/kafka';
import type { DbSyncApplied } from '@lakestream/lake';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbBigqueryWriter } from '../src/db-bigquery.js';
import { createDbWorker } from '../src/db-worker.js';
import type { Worker } from '../src/worker.js';
import { col, DbSource } from './support/db-source.js';
import { silentLogger, TestBed } from './support/test-bed.js';

const emulatorHost = process.env.BIGQUERY_EMULATOR_HOST!;
const projectId = process.env.BIGQUERY_PROJECT!;
/** Longest a batch may take on a busy machine: every emulator call takes up to a second. */
const APPLIED_WITHIN_MS = 120_000;

/**
 * The db worker with the BigQuery writer, against real Kafka, fake-gcs-server and
 * goccy/bigquery-emulator: the scenarios of db-worker.test.ts the emulator can run, and a
 * crash between the write job and the bookkeeping row.
 */
describe('db worker → BigQuery (emulator, fake-gcs-server, real Kafka)', () => {
  const bed = new TestBed();
  const bigquery = new BigQuery({ apiEndpoint: emulatorHost, projectId });
  let kafka: Kafka;
  let source: DbSource;
  let worker: Worker;
  /** The record job of run `crash-1` fails once, as if the process died right before it. */
  let crashArmed = true;
  const createdJobs: string[] = [];

  beforeAll(async () => {
    kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'warehouse-loader-db-bq-test',
      logger: silentLogger,
    });
    const { store } = await bed.gcsStore();
    source = new DbSource(kafka, store);
    await source.start();
    const client = new BigQuery({ apiEndpoint: emulatorHost, projectId });
    const createJob = client.createJob.bind(client);
    client.createJob = ((options: JobOptions) => {
      const id = String(options.jobId);
      if (crashArmed && /_crashes_replace_record_/.test(id)) {
        crashArmed = false;
        return Promise.reject(new Error('simulated crash before the record'));
      }
      createdJobs.push(id);
      return createJob(options);
    }) as typeof client.createJob;
    worker = createDbWorker({
      kafka,
      writer: createDbBigqueryWriter({ store, projectId, emulatorHost, client }),
      batchesTopic: source.batchesTopic,
      appliedTopic: source.appliedTopic,
      bronzeFilesTopic: source.bronzeFilesTopic,
      groupId: `test-loader-db-bq-${bed.id}`,
      sessionTimeoutMs: 30_000,
      coverageTimeoutMs: 5_000,
      retryDelayMs: 300,
      retry: { retries: 3, baseMs: 50, maxMs: 500 },
      logger: silentLogger,
    });
    await worker.start();
  });

  afterAll(async () => {
    worker?.stopIntake();
    await worker?.flush();
    await worker?.close();
    await source?.stop();
    await bigquery
      .dataset(`src_${source.database}`)
      .delete({ force: true })
      .catch(() => {});
    await bed.cleanup();
  });

  const table = (name: string) => `\`${projectId}.src_${source.database}.${name}\``;
  const rows = async (sql: string) => (await bigquery.query(sql))[0] as Record<string, unknown>[];

  async function applied(runId: string, name: string, nth = 1): Promise<DbSyncApplied> {
    let found: DbSyncApplied[] = [];
    await expect
      .poll(
        () => {
          found = source.confirmations.filter((c) => c.run_id === runId && c.table === name);
          return found.length;
        },
        { timeout: APPLIED_WITHIN_MS, interval: 200 },
      )
      .toBeGreaterThanOrEqual(nth);
    return found[nth - 1]!;
  }

  it('replace: every kind of value lands exactly in its BigQuery type; a second FULL run makes the table exactly its rows', async () => {
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
      col('exact', 'decimal(65,30)', 14),
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
      exact: '12345678901234567890123456789012345.123456789012345678901234567891',
    };
    const empty = { id: 2, ...Object.fromEntries(columns.slice(1).map((c) => [c.name, null])) };
    const spec = { table: 'items', columns, primaryKey: ['id'], write: 'replace' as const };
    await source.run('run-1', { ...spec, rows: [full, empty] });
    expect(await applied('run-1', 'items')).toMatchObject({
      rows_in: 2,
      rows_after: 2,
      target: 'bigquery',
      target_table: `${projectId}.src_${source.database}.items`,
    });
    const [metadata] = await bigquery
      .dataset(`src_${source.database}`)
      .table('items')
      .getMetadata();
    expect(
      Object.fromEntries(
        metadata.schema.fields.map((f: { name: string; type: string }) => [f.name, f.type]),
      ),
    ).toEqual({
      id: 'INT64',
      big: 'NUMERIC',
      price: 'NUMERIC',
      wide: 'STRING',
      f: 'FLOAT64',
      d: 'DATE',
      t: 'STRING',
      dt: 'DATETIME',
      ts: 'TIMESTAMP',
      s: 'STRING',
      j: 'JSON',
      b: 'BYTES',
      u: 'INT64',
      exact: 'BIGNUMERIC',
      _ls_run_id: 'STRING',
      _ls_synced_at: 'TIMESTAMP',
      _ls_deleted_at: 'TIMESTAMP',
      _ls_row_hash: 'STRING',
    });
    expect(metadata.schema.fields[2].description).toBe('decimal(12,2)');
    const stored = await rows(
      `SELECT id, CAST(big AS STRING) AS big, CAST(price AS STRING) AS price, wide, f, CAST(d AS STRING) AS d, t,
        FORMAT_DATETIME('%Y-%m-%d %H:%M:%E6S', dt) AS dt, FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', ts) AS ts, s,
        IF(j IS NULL, NULL, TO_JSON_STRING(j)) AS j, TO_BASE64(b) AS b, u, CAST(exact AS STRING) AS exact, _ls_run_id, _ls_deleted_at
       FROM ${table('items')} ORDER BY id`,
    );
    expect(stored).toEqual([
      {
        ...full,
        // NUMERIC keeps the value, not the source's scale: 12345678.90 reads back as 12345678.9.
        price: '12345678.9',
        ts: '2024-03-31 01:59:59.000001',
        exact: '12345678901234567890123456789012345.123456789012345678901234567891',
        _ls_run_id: 'run-1',
        _ls_deleted_at: null,
      },
      { ...empty, _ls_run_id: 'run-1', _ls_deleted_at: null },
    ]);

    await source.run('run-2', { ...spec, rows: [{ ...full, s: 'changed' }] });
    expect(await applied('run-2', 'items')).toMatchObject({ rows_in: 1, rows_after: 1 });
    expect(await rows(`SELECT id, s, _ls_run_id FROM ${table('items')}`)).toEqual([
      { id: 1, s: 'changed', _ls_run_id: 'run-2' },
    ]);
    // No staging table is left behind.
    const [tables] = await bigquery.dataset(`src_${source.database}`).getTables();
    expect(tables.map((t) => t.id).filter((id) => id?.startsWith('_ls_stage_'))).toEqual([]);
  }, 300_000);

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
  }, 300_000);

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
    const view = `SELECT FORMAT_DATETIME('%Y-%m-%d %H:%M:%E6S', \`at\`) AS \`at\`, what FROM ${table('events')} ORDER BY what`;
    expect(await rows(view)).toEqual([a, b, c]);
    await source.announce(first);
    expect(await applied('e-1', 'events', 2)).toEqual(confirmation);
    expect(await rows(view)).toEqual([a, b, c]);
    expect(
      await rows(
        `SELECT run_id, COUNT(*) AS n FROM ${table('_ls_sync_batches')} WHERE table_name = 'events' GROUP BY run_id ORDER BY run_id`,
      ),
    ).toEqual([
      { run_id: 'e-1', n: 1 },
      { run_id: 'e-2', n: 1 },
    ]);
  }, 300_000);

  it('drift: a new column is added, int → bigint and decimal widened (reported), a dropped column kept', async () => {
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
    expect((await applied('o-2', 'orders')).schema_changes).toEqual([
      { kind: 'widened', column: 'id', from: 'int(11)', to: 'bigint(20)' },
      { kind: 'widened', column: 'amount', from: 'decimal(10,2)', to: 'decimal(14,2)' },
      { kind: 'added', column: 'extra', from: null, to: 'varchar(10)' },
      { kind: 'dropped_kept', column: 'gone', from: 'varchar(5)', to: null },
    ]);
    expect(
      await rows(
        `SELECT CAST(id AS STRING) AS id, CAST(amount AS STRING) AS amount, gone, extra FROM ${table('orders')} ORDER BY id`,
      ),
    ).toEqual([
      { id: '1', amount: '99999999.99', gone: 'x', extra: null },
      { id: '9223372036854775807', amount: '999999999999.99', gone: null, extra: 'new' },
    ]);
  }, 300_000);

  it('a crash between the write job and the bookkeeping row: the retry runs no job twice and confirms with the apply time of the rows', async () => {
    const spec = {
      table: 'crashes',
      columns: [col('id', 'int(11)', 1), col('v', 'varchar(5)', 2)],
      primaryKey: ['id'],
    };
    await source.run('crash-1', {
      ...spec,
      write: 'replace',
      rows: [
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ],
    });
    const confirmation = await applied('crash-1', 'crashes');
    expect(crashArmed).toBe(false);
    expect(confirmation).toMatchObject({ rows_in: 2, rows_after: 2 });
    const [row] = await rows(
      `SELECT CONCAT(FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3S', MAX(_ls_synced_at)), 'Z') AS synced, COUNT(*) AS n FROM ${table('crashes')}`,
    );
    expect(row).toEqual({ synced: confirmation.applied_at, n: 2 });
    const ours = createdJobs.filter((id) => id.includes('_crashes_'));
    // One load, one write, one record: the retry found the write done and started only the record.
    expect(ours.map((id) => /_(load|write|record)_/.exec(id)?.[1])).toEqual([
      'load',
      'write',
      'record',
    ]);
    expect(
      await rows(
        `SELECT COUNT(*) AS n FROM ${table('_ls_sync_batches')} WHERE table_name = 'crashes'`,
      ),
    ).toEqual([{ n: 1 }]);
  }, 300_000);
});
