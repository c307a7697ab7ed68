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
    ]);
    const bytes = await readFile(join(MIGRATIONS_DIR, '001_bronze_order_item_events.sql'));
    expect(migrations[0]!.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('applies each migration once, records it, and finds nothing to do the second time', async () => {
    const schema = newSchema();
    const first = await migrate(pool, { schema });
    expect(first.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(first.alreadyApplied).toBe(0);
    const files = await loadMigrations();
    const rows = await recorded(schema);
    expect(rows.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
      files.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );

    const second = await migrate(pool, { schema });
    expect(second).toEqual({ applied: [], alreadyApplied: 2 });
    expect(await recorded(schema)).toEqual(rows); // same applied_at: nothing re-ran

    const { rows: objects } = await pool.query(
      `SELECT table_name, table_type FROM information_schema.tables
        WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    expect(objects).toEqual([
      { table_name: 'order_item_events', table_type: 'BASE TABLE' },
      { table_name: 'order_items_latest', table_type: 'VIEW' },
      { table_name: 'schema_migrations', table_type: 'BASE TABLE' },
    ]);
  });

  it('defines the latest version by log position: offset within a partition, time across them', async () => {
    const schema = newSchema();
    await migrate(pool, { schema });
    const insert = (item: number, partition: number, offset: number, status: string, ts: string) =>
      pool.query(
        `INSERT INTO "${schema}".order_item_events (topic, partition, "offset", key, payload,
           order_item_id, order_id, order_status, order_date, ingested_at, kafka_timestamp)
         VALUES ('t', $1, $2, '1', '{}', $3, 1, $4, now(), $5, $5)`,
        [partition, offset, item, status, ts],
      );
    // Item 1: one partition; the higher offset wins even with an older timestamp and ingested_at.
    await insert(1, 0, 5, 'PENDING', '2024-01-02T00:00:00Z');
    await insert(1, 0, 9, 'COMPLETE', '2024-01-01T00:00:00Z');
    // Item 2: moved partitions (the topic was repartitioned): the most recent record wins.
    await insert(2, 0, 100, 'PENDING', '2024-01-01T00:00:00Z');
    await insert(2, 2, 3, 'CLOSED', '2024-01-03T00:00:00Z');
    const { rows } = await pool.query(
      `SELECT order_item_id::int AS item, partition, "offset"::int AS offset, order_status
         FROM "${schema}".order_items_latest ORDER BY 1`,
    );
    expect(rows).toEqual([
      { item: 1, partition: 0, offset: 9, order_status: 'COMPLETE' },
      { item: 2, partition: 2, offset: 3, order_status: 'CLOSED' },
    ]);
  });

  it('lets instances starting together apply each migration exactly once (advisory lock)', async () => {
    const schema = newSchema();
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(pool, { schema })));
    expect(results.flatMap((r) => r.applied.map((m) => m.version)).sort()).toEqual([1, 2]);
    expect(await recorded(schema)).toHaveLength(2);
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
