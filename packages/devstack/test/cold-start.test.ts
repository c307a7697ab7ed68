import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ensureStack } from '../src/index.js';

/**
 * A new user's first minute: a broker that has only just answered, and both sinks started right
 * after it – while they race to create the order-item topic and the broker still answers "this
 * server does not host this topic-partition" and "coordinator loading". Every time, both must
 * join their groups and consume. LAKESTREAM_COLD_START_RUNS sets how many fresh brokers (2 in the
 * suite; the closing figures use 10).
 */
const RUNS = Number(process.env.LAKESTREAM_COLD_START_RUNS ?? 2);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'lakestream.order_items.v1';
const SINKS = [
  { name: 'bronze-sink', group: 'lakestream-bronze-sink' },
  { name: 'audit-sink', group: 'lakestream-audit-sink' },
] as const;

interface Sink {
  name: string;
  child: ChildProcess;
  log: string[];
  exit: Promise<number | null>;
}

function startSink(name: string, env: NodeJS.ProcessEnv): Sink {
  const child = spawn(
    process.execPath,
    ['--conditions=lakestream-source', '--import', 'tsx', `services/${name}/src/main.ts`],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  const keep = (chunk: Buffer) => {
    log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, log, exit };
}

const tail = (sink: Sink) => `${sink.name} log:\n${sink.log.slice(-15).join('\n')}`;

/** Resolves once the sink's /readyz answers 200 (it is a member of its group); rejects if it exits. */
async function ready(sink: Sink, portFile: string, deadline: number): Promise<void> {
  let exited = false;
  void sink.exit.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${sink.name} exited during start-up\n${tail(sink)}`);
    try {
      const port = readFileSync(portFile, 'utf8').trim();
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`${sink.name} not ready in time\n${tail(sink)}`);
}

async function lagOf(kafka: Kafka, group: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(TOPIC),
      admin.fetchOffsets({ groupId: group, topics: [TOPIC] }),
    ]);
    const done = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce(
      (sum, e) => sum + Number(e.high) - Math.max(0, done.get(e.partition) ?? 0),
      0,
    );
  } finally {
    await admin.disconnect();
  }
}

describe('cold start', () => {
  it(
    `both sinks consume on a broker started a moment before them, ${RUNS} times in a row`,
    async () => {
      const outcomes: string[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const home = mkdtempSync(join(tmpdir(), 'lakestream-cold-start-'));
        const schema = `cold_start_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
        // No KAFKA_BROKERS: a new broker of this home's own, on a free port.
        const { KAFKA_BROKERS: _shared, ...env } = process.env;
        const stack = await ensureStack({ home, env, services: ['kafka'] });
        const sinks: Sink[] = [];
        try {
          const sinkEnv = (name: string): NodeJS.ProcessEnv => ({
            ...env,
            ...stack.env,
            LAKESTREAM_HOME: home,
            LOG_LEVEL: 'info',
            METRICS_PORT: '0',
            METRICS_PORT_FILE: join(home, 'run', `${name}.port`),
            AUDIT_SINK_SCHEMA: schema,
            BRONZE_SINK_IDLE_FLUSH: '500ms',
          });
          for (const { name } of SINKS) sinks.push(startSink(name, sinkEnv(name)));
          const deadline = Date.now() + 120_000;
          await Promise.all(
            sinks.map((sink) => ready(sink, join(home, 'run', `${sink.name}.port`), deadline)),
          );

          const kafka = new Kafka({
            brokers: stack.env.KAFKA_BROKERS!.split(','),
            clientId: 'cold-start-test',
            logLevel: logLevel.NOTHING,
          });
          const producer = kafka.producer();
          await producer.connect();
          await producer.send({
            topic: TOPIC,
            messages: Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: `{"n":${i}}` })),
          });
          await producer.disconnect();
          for (const { name, group } of SINKS) {
            const sink = sinks.find((s) => s.name === name)!;
            while ((await lagOf(kafka, group)) > 0) {
              if (Date.now() > deadline) throw new Error(`${name} did not consume\n${tail(sink)}`);
              await sleep(250);
            }
          }
          for (const sink of sinks) sink.child.kill('SIGTERM');
          const codes = await Promise.all(sinks.map((sink) => sink.exit));
          expect(codes, sinks.map(tail).join('\n')).toEqual([0, 0]);
          outcomes.push(`run ${run}: both consumed`);
        } finally {
          for (const sink of sinks) sink.child.kill('SIGKILL');
          await stack.stop();
          const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
          await client.connect();
          await client.query(`drop schema if exists ${schema} cascade`);
          await client.end();
          rmSync(home, { recursive: true, force: true });
        }
      }
      expect(outcomes).toHaveLength(RUNS);
    },
    200_000 * RUNS,
  );
});
