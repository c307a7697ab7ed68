import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AuditSinkError } from '../src/errors.js';
import { loadMigrations, MIGRATIONS_DIR, type Migration, migrate } from '../src/migrations.js';
import { randomSuffix } from './support/test-bed.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 6 });
const schemas: string[] = [];

function newSchema(): string {
  const schema = `bronze_${randomSuffix()}`;
  schemas.push(schema);
  return schema;
}

function migration(version: number, name: string, sql: string): Migration {
  return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
}

async function recorded(schema: string) {
  const { rows } = await pool.query<{
    version: number;
    name: string;
    checksum: string;
    applied_at: Date;
  }>(`SELECT version, name, checksum, applied_at FROM "${schema}".schema_migrations ORDER BY 1`);
  return rows;
}

async function caught(promise: Promise<unknown>): Promise<AuditSinkError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AuditSinkError);
    return err as AuditSinkError;
  }
  throw new Error('expected a rejection');
}

afterEach(async () => {
  for (const schema of schemas.splice(0)) {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
});

afterAll(async () => {
  await pool.end();
});

describe('migrations', () => {
  it('reads the service’s files in version order with the checksum of their bytes', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => `${m.version}_${m.name}`)).toEqual([
      '1_bronze_order_item_events',
      '2_order_items_latest',
      '3_topic_identity_and_source',
      '4_key_conflicts',
    ]);
    const bytes = await readFile(join(MIGRATIONS_DIR, '001_bronze_order_item_events.sql'));
    expect(migrations[0]!.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('applies each migration once, records it, and finds nothing to do the second time', async () => {
    const schema = newSchema();
    const first = await migrate(pool, { schema });
    expect(first.applied.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    expect(first.alreadyApplied).toBe(0);
    const files = await loadMigrations();
    const rows = await recorded(schema);
    expect(rows.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
      files.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );

    const second = await migrate(pool, { schema });
    expect(second).toEqual({ applied: [], alreadyApplied: 4 });
    expect(await recorded(schema)).toEqual(rows); // same applied_at: nothing re-ran

    const { rows: objects } = await pool.query(
      `SELECT table_name, table_type FROM information_schema.tables
        WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    expect(objects).toEqual([
      { table_name: 'order_item_event_conflicts', table_type: 'BASE TABLE' },
      { table_name: 'order_item_events', table_type: 'BASE TABLE' },
      { table_name: 'order_item_resends', table_type: 'VIEW' },
      { table_name: 'order_items_latest', table_type: 'VIEW' },
      { table_name: 'schema_migrations', table_type: 'BASE TABLE' },
    ]);
  });

  it('defines the latest version by the one rule: greatest (kafka_timestamp, partition, offset)', async () => {
    const schema = newSchema();
    await migrate(pool, { schema });
    const insert = (
      item: number,
      position: [cluster: string, partition: number, offset: number],
      status: string,
      ts: string,
    ) =>
      pool.query(
        `INSERT INTO "${schema}".order_item_events (cluster_id, topic, partition, "offset", key,
           payload, order_item_id, order_id, order_status, order_date, ingested_at,
           kafka_timestamp, source_file, source_row)
         VALUES ($1, 't', $2, $3, '1', '{}', $4, 1, $5, now(), now(), $6, 'f.csv', $4)`,
        [...position, item, status, ts],
      );
    // Item 1: one partition, timestamps growing with the offset (LogAppendTime).
    await insert(1, ['c', 0, 5], 'PENDING', '2024-01-01T00:00:00Z');
    await insert(1, ['c', 0, 9], 'COMPLETE', '2024-01-02T00:00:00Z');
    // Item 2: moved partitions (the partition count changed): the later append wins, whatever
    // the offsets.
    await insert(2, ['c', 0, 100], 'PENDING', '2024-01-01T00:00:00Z');
    await insert(2, ['c', 2, 3], 'CLOSED', '2024-01-03T00:00:00Z');
    // Item 3: the same millisecond in two partitions: the higher partition.
    await insert(3, ['c', 0, 7], 'PENDING', '2024-01-01T00:00:00Z');
    await insert(3, ['c', 1, 2], 'CANCELED', '2024-01-01T00:00:00Z');
    // Item 4: the same millisecond in one partition: the higher offset.
    await insert(4, ['c', 1, 4], 'PENDING', '2024-01-01T00:00:00Z');
    await insert(4, ['c', 1, 6], 'ON_HOLD', '2024-01-01T00:00:00Z');
    // Item 5: a wiped Kafka's row (legacy placeholder cluster) and the new cluster's, at a lower
    // offset but appended later.
    await insert(5, ['', 0, 50], 'PENDING', '2024-01-01T00:00:00Z');
    await insert(5, ['c', 0, 1], 'COMPLETE', '2024-02-01T00:00:00Z');
    const { rows } = await pool.query(
      `SELECT order_item_id::int AS item, cluster_id, partition, "offset"::int AS offset,
              order_status, source_file, source_row::int AS source_row
         FROM "${schema}".order_items_latest ORDER BY 1`,
    );
    expect(rows).toEqual(
      [
        { item: 1, cluster_id: 'c', partition: 0, offset: 9, order_status: 'COMPLETE' },
        { item: 2, cluster_id: 'c', partition: 2, offset: 3, order_status: 'CLOSED' },
        { item: 3, cluster_id: 'c', partition: 1, offset: 2, order_status: 'CANCELED' },
        { item: 4, cluster_id: 'c', partition: 1, offset: 6, order_status: 'ON_HOLD' },
        { item: 5, cluster_id: 'c', partition: 0, offset: 1, order_status: 'COMPLETE' },
      ].map((r) => ({ ...r, source_file: 'f.csv', source_row: r.item })),
    );
  });

  it('lists a source row held at several positions of one topic as a resend', async () => {
    const schema = newSchema();
    await migrate(pool, { schema });
    const insert = (cluster: string, offset: number, row: number, ingested: string) =>
      pool.query(
        `INSERT INTO "${schema}".order_item_events (cluster_id, topic, partition, "offset", key,
           payload, order_item_id, order_id, order_status, order_date, ingested_at,
           kafka_timestamp, source_file, source_row)
         VALUES ($1, 't', 0, $2::bigint, '1', jsonb_build_object('row', $3::int, 'ingested_at', $4::text),
                 $3, 1, 'PENDING', now(), $4::timestamptz, now() + $2::bigint * interval '1 second', 'f.csv', $3)`,
        [cluster, offset, row, ingested],
      );
    await insert('c', 0, 1, '2024-01-01T00:00:00Z');
    await insert('c', 1, 2, '2024-01-01T00:00:00Z');
    await insert('c', 2, 1, '2024-01-01T00:05:00Z'); // row 1 sent again after a crash
    await insert('c', 3, 1, '2024-01-01T00:09:00Z'); // and once more
    await insert('d', 0, 2, '2024-01-02T00:00:00Z'); // row 2 in another cluster: not a resend
    const { rows } = await pool.query(
      `SELECT cluster_id, source_file, source_row::int AS source_row, order_item_id::int AS item,
              copies::int AS copies, positions, distinct_payloads::int AS distinct_payloads
         FROM "${schema}".order_item_resends`,
    );
    expect(rows).toEqual([
      {
        cluster_id: 'c',
        source_file: 'f.csv',
        source_row: 1,
        item: 1,
        copies: 3,
        positions: ['0/0', '0/2', '0/3'],
        distinct_payloads: 1,
      },
    ]);
  });

  it('upgrades a table of the first version: old rows keep a placeholder cluster id and gain their source position', async () => {
    const schema = newSchema();
    const all = await loadMigrations();
    await migrate(pool, { schema, migrations: all.filter((m) => m.version <= 2) });
    const event = (row: number | string) =>
      JSON.stringify({ order_item_id: 7, source: { file: 'DataCo.csv', row } });
    for (const [offset, payload] of [
      [0, event(11)],
      [1, event('not a number')],
      [2, '{"order_item_id": 7}'],
    ] as const) {
      await pool.query(
        `INSERT INTO "${schema}".order_item_events (topic, partition, "offset", key, payload,
           order_item_id, order_id, order_status, order_date, ingested_at, kafka_timestamp)
         VALUES ('t', 0, $1, '1', $2, 7, 1, 'PENDING', now(), now(), now())`,
        [offset, payload],
      );
    }
    expect((await migrate(pool, { schema })).applied.map((m) => m.version)).toEqual([3, 4]);
    const { rows } = await pool.query(
      `SELECT "offset"::int AS offset, cluster_id, source_file, source_row::int AS source_row
         FROM "${schema}".order_item_events ORDER BY 1`,
    );
    expect(rows).toEqual([
      { offset: 0, cluster_id: '', source_file: 'DataCo.csv', source_row: 11 },
      { offset: 1, cluster_id: '', source_file: null, source_row: null },
      { offset: 2, cluster_id: '', source_file: null, source_row: null },
    ]);
    // The same position from a known cluster is another message; the key has no default.
    await pool.query(
      `INSERT INTO "${schema}".order_item_events (cluster_id, topic, partition, "offset", payload,
         order_item_id, order_id, order_status, order_date, ingested_at)
       VALUES ('new-cluster', 't', 0, 0, '{}', 7, 1, 'COMPLETE', now(), now())`,
    );
    await expect(
      pool.query(
        `INSERT INTO "${schema}".order_item_events (topic, partition, "offset", payload,
           order_item_id, order_id, order_status, order_date, ingested_at)
         VALUES ('t', 0, 9, '{}', 7, 1, 'COMPLETE', now(), now())`,
      ),
    ).rejects.toMatchObject({ code: '23502' }); // not_null_violation: cluster_id
  });

  it('lets instances starting together apply each migration exactly once (advisory lock)', async () => {
    const schema = newSchema();
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(pool, { schema })));
    expect(results.flatMap((r) => r.applied.map((m) => m.version)).sort()).toEqual([1, 2, 3, 4]);
    expect(await recorded(schema)).toHaveLength(4);
  });

  it('refuses a migration changed after it was applied, with a clear error', async () => {
    const schema = newSchema();
    await migrate(pool, { schema });
    await pool.query(
      `UPDATE "${schema}".schema_migrations SET checksum = repeat('0', 64) WHERE version = 1`,
    );
    const err = await caught(migrate(pool, { schema }));
    expect(err.code).toBe('LS_AUDIT_MIGRATION_CHANGED');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(
      /migration 001_bronze_order_item_events\.sql was changed after it was applied to schema 'bronze_\w+' \(recorded checksum 000000000000…, file now [0-9a-f]{12}…\): restore the file and put the change in a new migration/,
    );

    // The same from the other side: an edited file against the recorded checksum.
    const other = newSchema();
    await migrate(pool, { schema: other });
    const edited = (await loadMigrations()).map((m) =>
      m.version === 2 ? migration(2, m.name, `${m.sql}\n-- edited\n`) : m,
    );
    expect((await caught(migrate(pool, { schema: other, migrations: edited }))).code).toBe(
      'LS_AUDIT_MIGRATION_CHANGED',
    );
  });

  it('rolls back everything when a migration fails, and refuses one older than the applied', async () => {
    const schema = newSchema();
    const good = migration(1, 'make_a', 'CREATE TABLE a (id int)');
    const broken = migration(2, 'broken', 'CREATE TABLE b (id int); SELECT no_such_column FROM a');
    const err = await caught(migrate(pool, { schema, migrations: [good, broken] }));
    expect(err.code).toBe('LS_AUDIT_PG_FAILED');
    const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(rows).toEqual([]); // not even the schema stayed

    const third = migration(3, 'make_c', 'CREATE TABLE c (id int)');
    await migrate(pool, { schema, migrations: [good, third] });
    const late = migration(2, 'make_b', 'CREATE TABLE b (id int)');
    const outOfOrder = await caught(migrate(pool, { schema, migrations: [good, late, third] }));
    expect(outOfOrder.code).toBe('LS_AUDIT_MIGRATION_INVALID');
    expect(outOfOrder.message).toContain('002_make_b.sql is older than 3');
  });

  it('rejects misnamed and duplicate migration files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-migrations-'));
    try {
      await writeFile(join(dir, '001_first.sql'), 'SELECT 1');
      await writeFile(join(dir, 'second.sql'), 'SELECT 2');
      expect((await caught(loadMigrations(dir))).message).toContain("'second.sql'");
      await rm(join(dir, 'second.sql'));
      await writeFile(join(dir, '1_again.sql'), 'SELECT 2');
      expect((await caught(loadMigrations(dir))).message).toContain(
        'two migration files have version 1',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
