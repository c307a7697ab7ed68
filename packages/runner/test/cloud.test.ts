// The cloud path end to end on a small file: real Kafka, PostgreSQL and sinks, the lake in a
// fake-gcs-server bucket of this test's own, the loader's bigquery target and `dbt build --target
// bigquery` (every model, test and unit test) on a fresh private emulator the run starts and stops
// (never the stack's shared one). Then the same silver batches through the default path's loader
// and dbt into DuckDB, and every gold table compared row by row.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCsv } from '@lakestream/datagen';
import { freePort } from '@lakestream/devstack';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundService, runCloudPipeline, TS_NODE } from '../src/index.js';

const root = resolve(import.meta.dirname, '../../..');
const id = randomUUID().slice(0, 8);
const bucket = `test-cloud-run-${id}`;
const lake = `gs://${bucket}/lake`;
const gcs = process.env.STORAGE_EMULATOR_HOST!;
const topics = {
  orderItems: `test.cloudrun.${id}.items`,
  dlq: `test.cloudrun.${id}.dlq`,
  bronzeFiles: `test.cloudrun.${id}.bronze`,
  silverBatches: `test.cloudrun.${id}.silver`,
};
const groups = [
  { stage: 'bronze-sink', groupId: `test-cloudrun-${id}-bronze`, topic: topics.orderItems },
  { stage: 'audit-sink', groupId: `test-cloudrun-${id}-audit`, topic: topics.orderItems },
];
const auditSchema = `cloudrun_${id}`;
const ROWS = 600;
const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'cloud-run-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
let home: string;
let env: NodeJS.ProcessEnv;
const sinks = new Map<string, ChildProcess>();

async function startSink(name: string): Promise<void> {
  const files = backgroundService(home, name);
  await mkdir(join(home, 'run'), { recursive: true });
  await mkdir(join(home, 'logs'), { recursive: true });
  const port = await freePort();
  const log = openSync(files.logFile, 'a');
  const child = spawn(process.execPath, [...TS_NODE, `services/${name}/src/main.ts`], {
    cwd: root,
    env: { ...env, METRICS_PORT: String(port), METRICS_PORT_FILE: files.portFile },
    stdio: ['ignore', log, log],
  });
  sinks.set(name, child);
  await writeFile(files.pidFile, `${child.pid}\n`);
  await writeFile(files.portFile, `${port}\n`);
}

/** Resolves once the sink answers /healthz: starting from sources is slow on a busy machine. */
async function answering(name: string): Promise<void> {
  const port = (await readFile(backgroundService(home, name).portFile, 'utf8')).trim();
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(2_000),
    })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (sinks.get(name)?.exitCode !== null) throw new Error(`${name} exited while starting`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function gcsCall(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gcs}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakestream-cloud-run-'));
  await writeCsv({ rows: ROWS, seed: 11, out: join(home, 'orders.csv') });
  const created = await gcsCall('/storage/v1/b?project=lakestream-local', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: bucket }),
  });
  expect(created.ok).toBe(true);
  env = {
    ...process.env,
    LAKESTREAM_HOME: home,
    LAKESTREAM_DBT_VENV:
      process.env.LAKESTREAM_DBT_VENV ??
      join(process.env.LAKESTREAM_HOME ?? join(root, '.lakestream'), 'venv'),
    LOG_LEVEL: 'info',
    BRONZE_SINK_STORAGE_URL: lake,
    TRANSFORMER_STORAGE_URL: lake,
    WAREHOUSE_LOADER_STORAGE_URL: lake,
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
  await ensureTopics(
    kafka,
    Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })),
  );
  await startSink('bronze-sink');
  await startSink('audit-sink');
  await Promise.all([answering('bronze-sink'), answering('audit-sink')]);
}, 180_000);

afterAll(async () => {
  for (const sink of sinks.values()) sink.kill('SIGTERM');
  await Promise.all(
    [...sinks.values()].map((s) =>
      s.exitCode === null && s.signalCode === null ? once(s, 'exit') : null,
    ),
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
  const listed = (await (await gcsCall(`/storage/v1/b/${bucket}/o`)).json()) as {
    items?: { name: string }[];
  };
  for (const { name } of listed.items ?? []) {
    await gcsCall(`/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`, { method: 'DELETE' });
  }
  await gcsCall(`/storage/v1/b/${bucket}`, { method: 'DELETE' });
  await rm(home, { recursive: true, force: true });
}, 60_000);

describe('run --cloud: lake on gs://, warehouse and gold in BigQuery, equal to the DuckDB path', () => {
  it('runs every stage on a private emulator and finds all seven gold tables equal row by row', async () => {
    const lines: string[] = [];
    const report = await runCloudPipeline({
      files: [join(home, 'orders.csv')],
      root,
      home,
      kafka,
      databaseUrl: process.env.DATABASE_URL!,
      store: openObjectStore(lake),
      warehousePath: join(home, 'unused.duckdb'),
      env,
      timeoutMs: 120_000,
      say: (line) => lines.push(line),
      topics,
      groups,
      auditSchema,
      watch: ['bronze-sink', 'audit-sink'].map((name) => backgroundService(home, name)),
      bigquery: { kind: 'private' },
      compare: true,
      summary: true,
    });
    const { run } = report;
    expect(run.ok, JSON.stringify(run.stages.filter((s) => !s.ok))).toBe(true);
    expect(run.stages.map((s) => s.stage)).toEqual([
      'producer',
      'bronze-sink',
      'audit-sink',
      'transformer',
      'warehouse-loader',
      'dbt build',
    ]);
    expect(run.warehouse).toBe('bigquery lakestream-local (emulator)');
    expect(run.stages[0]!.out).toBe(ROWS);
    // Every model, data test and unit test of the project ran on the emulator and passed.
    const dbt = run.stages.at(-1)!;
    expect(dbt.rejected).toBe(0);
    expect(dbt.note).toBe('nodes: 13 models, 149 tests, 10 unit tests');
    expect(dbt.out).toBe(dbt.in);
    expect(run.silver.get('fct_order_items')).toBe(ROWS);
    for (const [table, rows] of run.gold) expect(rows, table).toBeGreaterThan(0);

    expect(report.comparisonText).toContain('gold equal to the DuckDB path: 7/7 tables');
    expect(report.ok).toBe(true);
    for (const table of report.comparison!.tables)
      expect(table.duckdbRows, table.table).toBeGreaterThan(0);
    // Money (every exact_sum column) was compared to the bit, not within the float tolerance.
    expect(report.comparison!.tables.flatMap((t) => t.exactColumns).sort()).toEqual([
      'awaiting_payment_amount',
      'fulfilled_sales',
      'net_sales',
      'net_sales',
      'net_sales',
      'open_commitments',
      'profit',
      'total_spend',
    ]);
    expect(run.costs).toEqual([
      expect.stringMatching(/^MERGE bytes processed: n\/a on the emulator \(5 MERGE jobs\)$/),
      'dbt bytes processed: n/a on the emulator',
    ]);
    expect(report.summary.join('\n')).toMatch(/bigquery/i);
    // The private emulator is stopped with the run.
    const hosts = lines.flatMap(
      (l) => /^BigQuery: emulator .*at (http:\S+?),?( |$)/.exec(l)?.[1] ?? [],
    );
    // One emulator for the whole build, as one BigQuery serves production's.
    expect(hosts.length).toBe(1);
    const host = hosts.at(-1)!;
    await expect(fetch(host, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 600_000);
});
