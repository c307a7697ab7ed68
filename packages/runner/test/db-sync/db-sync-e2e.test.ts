// The database source end to end on real processes: MariaDB → db-sync → Kafka → bronze sink →
// loader db worker → DuckDB, with every warehouse table compared with its source table row by row
// after each scenario. Databases, topics, groups and LAKESTREAM_HOME are this test's own.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, dbTableTopic, dbTableTopicSpec, ensureTopics } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowDiff, sourceColumns, sourceRows, warehouseRows } from './compare.js';
import { dbSync, pipelineEnv, pipelineNames, startDbPipeline } from './pipeline.js';

const id = randomUUID().slice(0, 6);
const DATABASES = ['a', 'b', 'c'].map((s) => `dbe2e_${id}_${s}`);
const TABLES = ['orders', 'items', 'events', 'countries', 'ties'];
const [A] = DATABASES as [string, string, string];
const url = new URL(process.env.MYSQL_URL ?? 'mysql://lakestream:lakestream@127.0.0.1:3306');
const PASSWORD = decodeURIComponent(url.password);

let home: string;
let env: NodeJS.ProcessEnv;
let configFile: string;
let pipeline: ReturnType<typeof startDbPipeline>;
let db: Connection;

const warehouse = () => join(home, 'warehouse.duckdb');

async function createSchema(database: string): Promise<void> {
  await db.query(`CREATE DATABASE \`${database}\``);
  await db.query(`USE \`${database}\``);
  await db.query(`CREATE TABLE orders (
    id BIGINT UNSIGNED PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount DECIMAL(12,2),
    qty INT, note TEXT NULL, payload BLOB NULL, created_at DATETIME(6), updated_at DATETIME(6) NOT NULL)`);
  await db.query(`CREATE TABLE items (
    order_id INT NOT NULL, line SMALLINT NOT NULL, sku VARCHAR(20), price DECIMAL(10,4),
    modified_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (order_id, line))`);
  await db.query(`CREATE TABLE events (
    kind VARCHAR(20), value DOUBLE, updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`);
  await db.query('CREATE TABLE countries (code CHAR(2) PRIMARY KEY, name VARCHAR(60))');
  await db.query('CREATE TABLE ties (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL)');
}

async function seed(database: string): Promise<void> {
  await db.query(`USE \`${database}\``);
  const orders = Array.from({ length: 120 }, (_, i) => [
    i === 0 ? '18446744073709551615' : String(i + 1),
    `customer ${i % 7}`,
    `${(i * 13.37).toFixed(2)}`,
    i % 5,
    i % 3 === 0 ? null : `note ${i} – ünïcödé`,
    i % 4 === 0 ? Buffer.from([0, 255, i % 256, 10, 13]) : null,
    '2024-02-29 23:59:59.999999',
    `2025-01-0${1 + (i % 9)} 10:00:00.${String(i).padStart(6, '0')}`,
  ]);
  await db.query('INSERT INTO orders VALUES ?', [orders]);
  const items = Array.from({ length: 60 }, (_, i) => [
    1 + Math.floor(i / 3),
    i % 3,
    `SKU-${i}`,
    `${(i / 7).toFixed(4)}`,
  ]);
  await db.query('INSERT INTO items (order_id, line, sku, price) VALUES ?', [items]);
  const events = Array.from({ length: 40 }, (_, i) => [`kind ${i % 4}`, i / 3]);
  await db.query('INSERT INTO events (kind, value) VALUES ?', [events]);
  await db.query("INSERT INTO countries VALUES ('de','Germany'),('fr','France'),('it','Italy')");
  const ties = Array.from({ length: 300 }, (_, i) => [i + 1, '2025-03-01 12:00:00.123456']);
  await db.query('INSERT INTO ties VALUES ?', [ties]);
}

/** Every listed table equal in source and warehouse, row by row. */
async function expectEqual(database: string, tables: string[] = TABLES): Promise<void> {
  for (const table of tables) {
    const columns = await sourceColumns(db, database, table);
    const source = await sourceRows(db, database, table, columns);
    const copy = await warehouseRows(warehouse(), `src_${database}`, table, columns);
    const diff = rowDiff(source, copy);
    expect(diff, `${database}.${table}`).toEqual({ onlySource: [], onlyWarehouse: [] });
    expect(copy.length, `${database}.${table}`).toBe(source.length);
  }
}

async function sync(...args: string[]) {
  const result = await dbSync(['run', '--config', configFile, ...args], env, home);
  return result;
}

function state(database: string): {
  tables: Record<string, { watermark: string | null; mode: string; status: string }>;
} {
  return JSON.parse(readFileSync(join(home, 'sync_state', `${database}.json`), 'utf8'));
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakestream-dbe2e-'));
  await mkdir(join(home, 'logs'), { recursive: true });
  const names = pipelineNames(id);
  env = pipelineEnv(home, names);
  db = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: PASSWORD,
    // Values as the server spells them: exact decimals, integers past 2^53, microseconds.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  for (const database of DATABASES) {
    await createSchema(database);
    await seed(database);
  }
  configFile = join(home, 'db-sync.json');
  await writeFile(
    configFile,
    JSON.stringify({
      db_host: url.hostname,
      db_port: Number(url.port || 3306),
      db_user: decodeURIComponent(url.username),
      db_pass: PASSWORD,
      db_list: DATABASES.join(','),
      table_list: TABLES.join(','),
      safe_window_seconds: 300,
      parallel_tables: 4,
    }),
  );
  const kafka = createKafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId: 'dbe2e',
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
  const topics = DATABASES.flatMap((d) => TABLES.map((t) => dbTableTopic(d, t)));
  await ensureTopics(
    kafka,
    DATABASES.flatMap((d) => TABLES.map((t) => dbTableTopicSpec(d, t))),
  );
  pipeline = startDbPipeline(home, env, topics);
}, 180_000);

afterAll(async () => {
  await pipeline?.stop();
  for (const database of DATABASES) await db?.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await db?.end();
  if (home && !process.env.LAKESTREAM_TEST_KEEP) await rm(home, { recursive: true, force: true });
});

describe('db-sync end to end (MariaDB → Kafka → bronze → DuckDB)', { timeout: 240_000 }, () => {
  it('first sync: 3 databases × 5 tables in parallel, every table FULL and equal to its source', async () => {
    const result = await sync();
    expect(result.code, result.stderrTail.join('\n')).toBe(0);
    for (const database of DATABASES) {
      await expectEqual(database);
      const tables = state(database).tables;
      expect(Object.keys(tables).sort()).toEqual([...TABLES].sort());
      for (const table of TABLES) expect(tables[table]?.status, table).toBe('ok');
    }
    expect(result.stdout).toMatch(/orders/);
    expect(existsSync(join(home, 'lake', 'bronze', dbTableTopic(A, 'orders')))).toBe(true);
  });

  it('boundary ties: rows sharing the watermark timestamp, added after a sync, all arrive', async () => {
    await db.query(`USE \`${A}\``);
    const more = Array.from({ length: 200 }, (_, i) => [1000 + i, '2025-03-01 12:00:00.123456']);
    await db.query('INSERT INTO ties VALUES ?', [more]);
    const result = await sync('--tables', 'ties');
    expect(result.code, result.stderrTail.join('\n')).toBe(0);
    expect(state(A).tables.ties?.mode).toMatch(/incremental/i);
    await expectEqual(A, ['ties']);
  });

  it('a late commit inside the safe window is caught by the next sync', async () => {
    const late = await mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: PASSWORD,
      database: A,
    });
    try {
      await late.query('START TRANSACTION');
      await late.query(
        "INSERT INTO orders (id, customer, updated_at) VALUES (9001, 'late', NOW(6) - INTERVAL 2 SECOND)",
      );
      await db.query(`USE \`${A}\``);
      await db.query(
        "INSERT INTO orders (id, customer, updated_at) VALUES (9002, 'newer', NOW(6))",
      );
      const first = await sync('--tables', 'orders');
      expect(first.code, first.stderrTail.join('\n')).toBe(0);
      const columns = await sourceColumns(db, A, 'orders');
      const before = await warehouseRows(warehouse(), `src_${A}`, 'orders', columns);
      expect(before.some((r) => r.includes('| newer |'))).toBe(true);
      expect(before.some((r) => r.includes('| late |'))).toBe(false);
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    const second = await sync('--tables', 'orders');
    expect(second.code, second.stderrTail.join('\n')).toBe(0);
    await expectEqual(A, ['orders']);
  });

  it('appends without duplicates although consecutive reads overlap (no primary key)', async () => {
    await db.query(`USE \`${A}\``);
    await db.query("INSERT INTO events (kind, value) VALUES ('later', 1.5), ('later', 2.5)");
    for (let i = 0; i < 2; i++) {
      const result = await sync('--tables', 'events');
      expect(result.code, result.stderrTail.join('\n')).toBe(0);
    }
    expect(state(A).tables.events?.mode).toMatch(/incremental/i);
    await expectEqual(A, ['events']);
  });

  it('a table without a change-tracking column is copied FULL each time (updates and deletes)', async () => {
    await db.query(`USE \`${A}\``);
    await db.query("UPDATE countries SET name = 'République française' WHERE code = 'fr'");
    await db.query("DELETE FROM countries WHERE code = 'it'");
    const result = await sync('--tables', 'countries');
    expect(result.code, result.stderrTail.join('\n')).toBe(0);
    expect(state(A).tables.countries?.mode).toMatch(/full/i);
    await expectEqual(A, ['countries']);
  });

  it('--full replaces a table that has a cursor', async () => {
    await db.query(`USE \`${A}\``);
    // A change the cursor cannot see (updated_at untouched, far in the past): only FULL finds it.
    await db.query("UPDATE orders SET customer = 'silent change' WHERE id = 2");
    const result = await sync('--tables', 'orders', '--full');
    expect(result.code, result.stderrTail.join('\n')).toBe(0);
    expect(state(A).tables.orders?.mode).toMatch(/full/i);
    await expectEqual(A, ['orders']);
  });

  it('follows schema drift: a new column, a widened type, a dropped column kept', async () => {
    await db.query(`USE \`${A}\``);
    await db.query('ALTER TABLE orders ADD COLUMN channel VARCHAR(10) NULL');
    await db.query('ALTER TABLE orders MODIFY qty BIGINT');
    await db.query('ALTER TABLE orders DROP COLUMN note');
    await db.query(
      "UPDATE orders SET channel = 'web', qty = 9000000000, updated_at = NOW(6) WHERE id <= 10",
    );
    const result = await sync('--tables', 'orders');
    expect(result.code, result.stderrTail.join('\n')).toBe(0);
    await expectEqual(A, ['orders']);
    const status = await dbSync(['status', '--config', configFile], env, home);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/channel/);
  });

  it('--reconcile marks rows deleted at the source', async () => {
    await db.query(`USE \`${A}\``);
    await db.query('DELETE FROM orders WHERE id IN (3, 4, 5)');
    const result = await sync('--tables', 'orders', '--reconcile');
    expect(result.code, result.stderrTail.join('\n')).toBe(0);
    await expectEqual(A, ['orders']);
    const columns = [{ name: 'id', dataType: 'bigint' }];
    const all = await warehouseRows(warehouse(), `src_${A}`, 'orders', columns, {
      includeDeleted: true,
    });
    const live = await warehouseRows(warehouse(), `src_${A}`, 'orders', columns);
    expect(all.length - live.length).toBe(3);
  });

  it('a wrong password fails with one clear error that never shows the password', async () => {
    const bad = join(home, 'bad.json');
    const secret = `Wr0ng-${id}-pass`;
    await writeFile(
      bad,
      JSON.stringify({
        ...JSON.parse(readFileSync(configFile, 'utf8')),
        db_pass: secret,
      }),
    );
    const result = await dbSync(['run', '--config', bad], env, home);
    expect(result.code).not.toBe(0);
    const out = `${result.stdout}\n${result.stderrTail.join('\n')}`;
    expect(out).not.toContain(secret);
    expect(readFileSync(join(home, 'logs', 'db-sync.log'), 'utf8')).not.toContain(secret);
  });
});
