// The whole pipeline through the runner, as `./commands.sh run` drives it: real Kafka, PostgreSQL,
// the local-folder lake, DuckDB and dbt, every service started from its sources. Topics, groups,
// the audit schema and LAKESTREAM_HOME (lake, warehouse, dbt target) are this test's own.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeCsv } from '@lakestream/datagen';
import { freePort } from '@lakestream/devstack';
import { createKafka } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD_TABLES, type PipelineRunReport, runPipeline } from '../src/index.js';

const root = resolve(import.meta.dirname, '../../..');
const id = randomUUID().slice(0, 8);
const topics = {
  orderItems: `test.runner.${id}.items`,
  dlq: `test.runner.${id}.dlq`,
  bronzeFiles: `test.runner.${id}.bronze`,
  silverBatches: `test.runner.${id}.silver`,
};
const groups = [
  { stage: 'bronze-sink', groupId: `test-runner-${id}-bronze`, topic: topics.orderItems },
  { stage: 'audit-sink', groupId: `test-runner-${id}-audit`, topic: topics.orderItems },
];
const auditSchema = `runner_${id}`;
const ROWS = 1_500;
const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'runner-pipeline-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
let home: string;
let csv: string;
let env: NodeJS.ProcessEnv;
const sinks: ChildProcess[] = [];

async function startSink(name: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--conditions=lakestream-source', '--import', 'tsx', `services/${name}/src/main.ts`],
    { cwd: root, env: { ...env, METRICS_PORT: String(await freePort()) }, stdio: 'ignore' },
  );
  sinks.push(child);
}

/** Every gold table's rows, ordered, hashed: equal hashes mean equal gold numbers. */
async function goldFingerprint(): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(join(home, 'warehouse.duckdb'), {
    access_mode: 'READ_ONLY',
  });
  const connection = await instance.connect();
  try {
    const result: Record<string, string> = {};
    for (const table of GOLD_TABLES) {
      const rows = (
        await connection.runAndReadAll(`select * from gold."${table}" order by all`)
      ).getRowsJS();
      result[table] = createHash('sha256')
        .update(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
        .digest('hex');
    }
    return result;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const run = (files: string[] = [csv]): Promise<PipelineRunReport> =>
  runPipeline({
    files,
    root,
    home,
    kafka,
    databaseUrl: process.env.DATABASE_URL!,
    store: openObjectStore(join(home, 'lake')),
    warehousePath: join(home, 'warehouse.duckdb'),
    env,
    timeoutMs: 120_000,
    say: () => {},
    topics,
    groups,
    auditSchema,
  });

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakestream-runner-'));
  csv = join(home, 'orders.csv');
  await writeCsv({ rows: ROWS, seed: 7, out: csv });
  // One row the producer must reject (a short row), to check the rejected column.
  await appendFile(csv, Buffer.from('DEBIT,3,4\r\n', 'latin1'));
  env = {
    ...process.env,
    LAKESTREAM_HOME: home,
    // The dbt venv the set-up made (commands.sh setup / the dbt package's tests), not a new one.
    LAKESTREAM_DBT_VENV:
      process.env.LAKESTREAM_DBT_VENV ??
      join(process.env.LAKESTREAM_HOME ?? join(root, '.lakestream'), 'venv'),
    LOG_LEVEL: 'info',
    PRODUCER_TOPIC: topics.orderItems,
    PRODUCER_DLQ_TOPIC: topics.dlq,
    BRONZE_SINK_TOPICS: topics.orderItems,
    BRONZE_SINK_MANIFEST_TOPIC: topics.bronzeFiles,
    BRONZE_SINK_GROUP_ID: groups[0]!.groupId,
    BRONZE_SINK_IDLE_FLUSH: '500ms',
    AUDIT_SINK_TOPIC: topics.orderItems,
    AUDIT_SINK_DLQ_TOPIC: topics.dlq,
    AUDIT_SINK_GROUP_ID: groups[1]!.groupId,
    AUDIT_SINK_SCHEMA: auditSchema,
    TRANSFORMER_SOURCE_TOPIC: topics.orderItems,
    TRANSFORMER_MANIFEST_TOPIC: topics.bronzeFiles,
    TRANSFORMER_ANNOUNCE_TOPIC: topics.silverBatches,
    TRANSFORMER_BRONZE_GROUP_ID: groups[0]!.groupId,
    WAREHOUSE_LOADER_TOPIC: topics.silverBatches,
  };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  await startSink('bronze-sink');
  await startSink('audit-sink');
}, 120_000);

afterAll(async () => {
  for (const sink of sinks) sink.kill('SIGTERM');
  await Promise.all(
    sinks.map((s) => (s.exitCode === null ? new Promise((r) => s.once('exit', r)) : null)),
  );
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
  await admin.deleteGroups(groups.map((g) => g.groupId)).catch(() => {});
  await admin.disconnect();
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists ${auditSchema} cascade`);
  await client.end();
  await rm(home, { recursive: true, force: true });
}, 60_000);

describe('runner: a CSV through the whole pipeline', () => {
  let first: Record<string, string>;

  it('runs every stage, with counts that agree from stage to stage, and fills gold', async () => {
    const report = await run();
    const byStage = Object.fromEntries(report.stages.map((s) => [s.stage, s]));
    expect(report.stages.map((s) => [s.stage, s.ok, s.note])).toEqual([
      ['producer', true, undefined],
      ['bronze-sink', true, undefined],
      ['audit-sink', true, undefined],
      ['transformer', true, expect.any(String)],
      ['warehouse-loader', true, expect.any(String)],
      ['dbt build', true, expect.any(String)],
    ]);
    expect(byStage.producer).toMatchObject({ in: ROWS + 1, out: ROWS, rejected: 1 });
    expect(byStage['bronze-sink']).toMatchObject({ in: ROWS, out: ROWS });
    expect(byStage['audit-sink']).toMatchObject({ in: ROWS, out: ROWS, rejected: 0 });
    expect(byStage.transformer).toMatchObject({ in: ROWS, out: ROWS, rejected: 0 });
    expect(byStage['dbt build']?.rejected).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.silver.get('fct_order_items')).toBe(ROWS);
    for (const table of GOLD_TABLES) expect(report.gold.get(table), table).toBeGreaterThan(0);
    first = await goldFingerprint();
  }, 300_000);

  it('changes no gold number when the same file runs again', async () => {
    expect(first).toBeDefined();
    const report = await run();
    expect(report.ok).toBe(true);
    const transformer = report.stages.find((s) => s.stage === 'transformer');
    // The replay's messages are new offsets of the same order items: each supersedes its twin.
    expect(transformer).toMatchObject({ in: ROWS, out: ROWS });
    expect(await goldFingerprint()).toEqual(first);
  }, 300_000);

  it('fails at the first stage that fails, says why, and runs nothing after it', async () => {
    const bad = join(home, 'wrong-header.csv');
    await writeFile(bad, Buffer.from('Type,Days for shipping (real)\r\nDEBIT,3\r\n', 'latin1'));
    const report = await run([bad]);
    expect(report.ok).toBe(false);
    expect(report.stages.map((s) => [s.stage, s.ok])).toEqual([['producer', false]]);
    expect(report.stages[0]?.note).toMatch(/exit 2; see .*run-producer\.log/);
  }, 120_000);
});
