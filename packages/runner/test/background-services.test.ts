// commands.sh's background services against the real stack: a sink whose preferred metrics port is
// taken still runs, on a free port it records where the runner finds it. Topics, groups, schema and
// LAKESTREAM_HOME are this test's own; the stack is the one the global set-up provides.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCsv } from '@lakestream/datagen';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundService, logTail } from '../src/index.js';

const script = resolve(import.meta.dirname, '../../../commands.sh');
const root = resolve(import.meta.dirname, '../../..');
const id = randomUUID().slice(0, 8);
const topics = {
  items: `test.bg.${id}.items`,
  dlq: `test.bg.${id}.dlq`,
  files: `test.bg.${id}.files`,
};
const schema = `bg_${id}`;
/** commands.sh's preferred metrics ports of the sinks. */
const PREFERRED = { 'bronze-sink': 9464, 'audit-sink': 9465 } as const;
const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'runner-background-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
let home: string;
let env: NodeJS.ProcessEnv;
let holders: (Server | undefined)[] = [];

const commands = (...args: string[]) =>
  spawnSync('bash', [script, ...args], { encoding: 'utf8', env, timeout: 170_000 });

/** Holds `port` unless something else already does: either way it is taken. */
async function takePort(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? done(undefined) : fail(err),
    );
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakestream-bg-'));
  env = {
    ...process.env,
    LAKESTREAM_HOME: home,
    BRONZE_SINK_TOPICS: topics.items,
    BRONZE_SINK_MANIFEST_TOPIC: topics.files,
    BRONZE_SINK_GROUP_ID: `test-bg-${id}-bronze`,
    BRONZE_SINK_STORAGE_URL: join(home, 'lake'),
    AUDIT_SINK_TOPIC: topics.items,
    AUDIT_SINK_DLQ_TOPIC: topics.dlq,
    AUDIT_SINK_GROUP_ID: `test-bg-${id}-audit`,
    AUDIT_SINK_SCHEMA: schema,
    PRODUCER_TOPIC: topics.items,
    PRODUCER_DLQ_TOPIC: topics.dlq,
    // The dbt venv the set-up made, not a new one in this home.
    LAKESTREAM_DBT_VENV:
      process.env.LAKESTREAM_DBT_VENV ??
      join(process.env.LAKESTREAM_HOME ?? join(root, '.lakestream'), 'venv'),
  };
  await ensureTopics(
    kafka,
    Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })),
  );
  holders = await Promise.all(Object.values(PREFERRED).map(takePort));
});

afterAll(async () => {
  commands('stop-streaming-pipeline');
  for (const holder of holders)
    await new Promise((done) => (holder ? holder.close(done) : done(undefined)));
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
  await admin.deleteGroups([`test-bg-${id}-bronze`, `test-bg-${id}-audit`]).catch(() => {});
  await admin.disconnect();
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
  await rm(home, { recursive: true, force: true });
}, 120_000);

describe('commands.sh background services', () => {
  it('keeps sinks whose metrics ports are taken running, on the free ports they record', async () => {
    const started = commands('start-streaming-pipeline');
    expect(started.status, started.stderr).toBe(0);
    for (const [name, preferred] of Object.entries(PREFERRED)) {
      const sink = backgroundService(home, name);
      const pid = Number(readFileSync(sink.pidFile, 'utf8'));
      const recorded = () =>
        existsSync(sink.portFile)
          ? Number.parseInt(readFileSync(sink.portFile, 'utf8'), 10)
          : Number.NaN;
      // Until the sink records its port, or dies: its start-up, not a guess at how long it takes.
      while (Number.isNaN(recorded())) {
        if (!isAlive(pid))
          throw new Error(`${name} exited: ${(await logTail(sink.logFile, 5)).join(' | ')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const port = recorded();
      expect(port, name).not.toBe(preferred);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status, name).toBe(200);
      expect(isAlive(pid), name).toBe(true);
    }
  }, 180_000);

  it('stops the sinks `run` started when it is interrupted, and ends with the run', async () => {
    commands('stop-streaming-pipeline');
    const csv = join(home, 'orders.csv');
    await writeCsv({ rows: 20_000, seed: 3, out: csv });
    const run = spawn('bash', [script, 'run', csv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    run.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      said += chunk;
    });
    let table = '';
    run.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      table += chunk;
    });
    const exited = once(run, 'exit');
    while (!said.includes('producer: streaming')) {
      if (run.exitCode !== null) throw new Error(`run ended before the producer started:\n${said}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const pids = Object.keys(PREFERRED).map((name) =>
      Number(readFileSync(backgroundService(home, name).pidFile, 'utf8')),
    );
    run.kill('SIGTERM');
    const [code] = await exited;
    expect(code, said).toBe(130);
    expect(table).toContain('the run was INTERRUPTED');
    expect(said).toContain('stopping what it started (bronze-sink audit-sink)');
    for (const pid of pids) expect(isAlive(pid), String(pid)).toBe(false);
    for (const name of Object.keys(PREFERRED))
      expect(existsSync(backgroundService(home, name).pidFile), name).toBe(false);
  }, 180_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
