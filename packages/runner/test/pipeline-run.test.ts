// The whole pipeline through the runner, as `./commands.sh run` drives it: real Kafka, PostgreSQL,
// the local-folder lake, DuckDB and dbt, every service started from its sources. Topics, groups,
// the audit schema and LAKESTREAM_HOME (lake, warehouse, dbt target) are this test's own.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeCsv } from '@lakestream/datagen';
import { freePort } from '@lakestream/devstack';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backgroundService,
  GOLD_TABLES,
  LIVE_STAGES,
  type PipelineRunOptions,
  type PipelineRunReport,
  readBronzeManifests,
  runChild,
  runLive,
  runPipeline,
  TS_NODE,
  topicEndOffsets,
} from '../src/index.js';

const root = resolve(import.meta.dirname, '../../..');
const id = randomUUID().slice(0, 8);
const topics = {
  orderItems: `test.runner.${id}.items`,
  dlq: `test.runner.${id}.dlq`,
  bronzeFiles: `test.runner.${id}.bronze`,
  silverBatches: `test.runner.${id}.silver`,
  silverApplied: `test.runner.${id}.applied`,
};
const groups = [
  { stage: 'bronze-sink', groupId: `test-runner-${id}-bronze`, topic: topics.orderItems },
  { stage: 'audit-sink', groupId: `test-runner-${id}-audit`, topic: topics.orderItems },
];
/** The live run's own groups: its workers and gold refresh, beside the sinks above. */
const liveGroups = {
  bronzeSink: groups[0]!.groupId,
  transformer: `test-runner-${id}-transformer`,
  warehouseLoader: `test-runner-${id}-loader`,
  goldRefresh: `test-runner-${id}-gold`,
};
const auditSchema = `runner_${id}`;
const ROWS = 1_500;
const RUN_TIMEOUT_MS = 120_000;
const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'runner-pipeline-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
let home: string;
let csv: string;
let env: NodeJS.ProcessEnv;
const sinks = new Map<string, ChildProcess>();

/** A sink as `commands.sh start_background` runs it: log, pid and port files in the home. */
async function startSink(name: string): Promise<void> {
  const files = backgroundService(home, name);
  await mkdir(join(home, 'run'), { recursive: true });
  await mkdir(join(home, 'logs'), { recursive: true });
  const port = await freePort();
  const log = openSync(files.logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--conditions=lakestream-source', '--import', 'tsx', `services/${name}/src/main.ts`],
    {
      cwd: root,
      env: { ...env, METRICS_PORT: String(port), METRICS_PORT_FILE: files.portFile },
      stdio: ['ignore', log, log],
    },
  );
  sinks.set(name, child);
  await writeFile(files.pidFile, `${child.pid}\n`);
  await writeFile(files.portFile, `${port}\n`);
}

/** Resolves once the order-item topic's end offsets add up to `total`. */
async function producedUpTo(total: number): Promise<void> {
  for (;;) {
    const ends = await topicEndOffsets(kafka, topics.orderItems);
    if ([...ends.values()].reduce((a, b) => a + b, 0) >= total) return;
    await new Promise((r) => setTimeout(r, 200));
  }
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

const run = (
  files: string[] = [csv],
  more: Partial<PipelineRunOptions> = {},
): Promise<PipelineRunReport> =>
  runPipeline({
    files,
    root,
    home,
    kafka,
    databaseUrl: process.env.DATABASE_URL!,
    store: openObjectStore(join(home, 'lake')),
    warehousePath: join(home, 'warehouse.duckdb'),
    env,
    timeoutMs: RUN_TIMEOUT_MS,
    say: () => {},
    topics,
    groups,
    auditSchema,
    watch: ['bronze-sink', 'audit-sink'].map((name) => backgroundService(home, name)),
    ...more,
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
  await ensureTopics(
    kafka,
    Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })),
  );
  await startSink('bronze-sink');
  await startSink('audit-sink');
}, 120_000);

afterAll(async () => {
  for (const sink of sinks.values()) {
    sink.kill('SIGCONT');
    sink.kill('SIGTERM');
  }
  await Promise.all(
    [...sinks.values()].map((s) =>
      s.exitCode === null && s.signalCode === null ? once(s, 'exit') : null,
    ),
  );
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
  await admin
    .deleteGroups([...groups.map((g) => g.groupId), ...Object.values(liveGroups).slice(1)])
    .catch(() => {});
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
    // Every model and data test on the data; the unit tests are the suite's (dbt/test).
    expect(byStage['dbt build']?.note).toMatch(/^nodes: 13 models, \d{3} tests$/);
    expect(report.ok).toBe(true);
    expect(report.silver.get('fct_order_items')).toBe(ROWS);
    for (const table of GOLD_TABLES) expect(report.gold.get(table), table).toBeGreaterThan(0);
    first = await goldFingerprint();
  }, 300_000);

  it('changes no gold number when the same file runs again, counting an object that straddles the run start by its overlap', async () => {
    expect(first).toBeDefined();
    // An interrupted run left records the bronze sink has not consumed. Frozen, the sink takes them
    // into one object with this run's first records: the object starts before the run's offsets.
    const bronze = sinks.get('bronze-sink')!;
    bronze.kill('SIGSTOP');
    const leftover = join(home, 'leftover.csv');
    const lines = (await readFile(csv, 'latin1')).split('\n');
    await writeFile(leftover, Buffer.from(`${lines.slice(0, 51).join('\n')}\n`, 'latin1'));
    const previous = await runChild(
      process.execPath,
      [...TS_NODE, 'services/producer/src/main.ts', leftover],
      {
        cwd: root,
        env,
        logFile: join(home, 'logs', 'leftover-producer.log'),
      },
    );
    expect(previous.code).toBe(0);
    const since = await topicEndOffsets(kafka, topics.orderItems);
    const target = [...since.values()].reduce((a, b) => a + b, 0) + ROWS;
    const running = run([csv], { supervision: { unresponsiveMs: 300_000 } });
    await Promise.race([producedUpTo(target), running]);
    bronze.kill('SIGCONT');
    const report = await running;

    const straddling = (await readBronzeManifests(kafka, topics.bronzeFiles)).filter(
      (m) =>
        m.first_offset < (since.get(m.partition) ?? 0) &&
        m.last_offset >= (since.get(m.partition) ?? 0),
    );
    expect(straddling.length).toBeGreaterThan(0);
    expect(report.stages.map((s) => [s.stage, s.ok])).toEqual([
      ['producer', true],
      ['bronze-sink', true],
      ['audit-sink', true],
      ['transformer', true],
      ['warehouse-loader', true],
      ['dbt build', true],
    ]);
    expect(report.stages[1]).toMatchObject({ in: ROWS, out: ROWS });
    const transformer = report.stages.find((s) => s.stage === 'transformer');
    // The replay's messages (and the leftovers) are new offsets of the same order items: each
    // supersedes its twin.
    expect(transformer).toMatchObject({ in: ROWS + 50, out: ROWS });
    expect(report.ok).toBe(true);
    expect(await goldFingerprint()).toEqual(first);
  }, 300_000);

  it('live: every row produced reaches gold through the resident workers and dbt, placed in every stage, and no gold number changes', async () => {
    expect(first).toBeDefined();
    const lines: string[] = [];
    const report = await runLive({
      file: csv,
      rate: 400,
      durationMs: 3_000,
      root,
      home,
      env,
      kafka,
      logger: createLogger({ service: 'test', level: 'silent' }),
      timeoutMs: RUN_TIMEOUT_MS,
      say: (line) => lines.push(line),
      topics,
      groups: liveGroups,
    });
    expect(report.failure, lines.join('\n')).toBeUndefined();
    expect(report.failedRefreshes).toBe(0);
    expect(report.produced).toBeGreaterThan(500);
    // --duration ends the replay: 400 rows/s for 3 s is short of the file's rows.
    expect(report.produced).toBeLessThan(ROWS);
    // The replayed rows supersede their twins with new offsets: each is measured once.
    expect(report.rows).toBe(report.produced);
    expect(report.stages.map((s) => [s.stage, s.unplaced])).toEqual(
      LIVE_STAGES.map((stage) => [stage, 0]),
    );
    // A row passes the stages in order, so its times since produce never decrease.
    const medians = report.stages.map((s) => s.median);
    expect(medians).toEqual([...medians].sort((a, b) => a - b));
    // No stage ends before the one it follows (a row placed in the wrong manifest or batch would).
    for (const stage of report.stages)
      expect(stage.stepMedian, stage.stage).toBeGreaterThanOrEqual(0);
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

  it('stops within seconds when aborted while waiting, printing progress until then', async () => {
    // Frozen, the bronze sink cannot catch up: only the abort can end the wait.
    const bronze = sinks.get('bronze-sink')!;
    bronze.kill('SIGSTOP');
    const abort = new AbortController();
    const said: string[] = [];
    let abortedAt = 0;
    const report = await run([csv], {
      signal: abort.signal,
      progressMs: 500,
      supervision: { unresponsiveMs: 300_000 },
      say: (message) => {
        said.push(message);
        if (message.startsWith('waiting: ') && abortedAt === 0) {
          abortedAt = performance.now();
          abort.abort();
        }
      },
    });
    const took = performance.now() - abortedAt;
    bronze.kill('SIGCONT');
    expect(said.find((m) => m.startsWith('waiting: '))).toMatch(/bronze-sink [\d,]+ behind/);
    expect(took).toBeLessThan(5_000);
    expect(report).toMatchObject({ ok: false, interrupted: true });
    expect(report.stages.at(-1)).toMatchObject({
      stage: 'bronze-sink',
      ok: false,
      note: 'interrupted',
    });
  }, 120_000);

  it('fails within seconds when a sink has died, naming it with the last lines of its log', async () => {
    const audit = sinks.get('audit-sink')!;
    audit.kill('SIGKILL');
    if (audit.exitCode === null && audit.signalCode === null) await once(audit, 'exit');
    const began = performance.now();
    const report = await run();
    const seconds = (performance.now() - began) / 1000;
    // A dead sink is not waited for: the run ends long before its limit.
    expect(seconds).toBeLessThan(RUN_TIMEOUT_MS / 1000 / 4);
    expect(report.ok).toBe(false);
    const failed = report.stages.find((s) => s.stage === 'audit-sink');
    expect(failed?.ok).toBe(false);
    expect(failed?.note).toMatch(/has exited; last lines of .*audit-sink\.log: .+/);
    expect(report.stages.find((s) => s.stage === 'transformer')).toBeUndefined();
  }, 180_000);
});
