// The database source's pipeline as a user runs it, as processes started from source: the table
// topic's own bronze sink, the warehouse loader's db worker, and `db-sync run`. Topics, groups and
// LAKESTREAM_HOME are the bench's own; Kafka and MariaDB are the stack's.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';

export const ROOT = resolve(import.meta.dirname, '../../..');
const FROM_SOURCE = ['--conditions=lakestream-source', '--import', 'tsx'];

/** The bench's own names for every topic and group the pipeline shares. */
export interface PipelineNames {
  batchesTopic: string;
  appliedTopic: string;
  filesTopic: string;
  bronzeGroup: string;
  loaderGroup: string;
}

export function pipelineNames(id: string): PipelineNames {
  return {
    batchesTopic: `bench.dbsync.${id}.batches`,
    appliedTopic: `bench.dbsync.${id}.applied`,
    filesTopic: `bench.dbsync.${id}.files`,
    bronzeGroup: `bench-dbsync-${id}-bronze`,
    loaderGroup: `bench-dbsync-${id}-loader`,
  };
}

/** The environment of every process of the pipeline. */
export function pipelineEnv(home: string, names: PipelineNames, id: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LAKESTREAM_HOME: home,
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
    BRONZE_SINK_MANIFEST_TOPIC: names.filesTopic,
    BRONZE_SINK_GROUP_ID: names.bronzeGroup,
    BRONZE_SINK_INSTANCE_ID: `bench-dbsync-${id}`,
    BRONZE_SINK_IDLE_FLUSH: '300ms',
    WAREHOUSE_TARGET: 'duckdb',
    WAREHOUSE_LOADER_DB_BATCHES_TOPIC: names.batchesTopic,
    WAREHOUSE_LOADER_DB_APPLIED_TOPIC: names.appliedTopic,
    WAREHOUSE_LOADER_BRONZE_FILES_TOPIC: names.filesTopic,
    WAREHOUSE_LOADER_DB_GROUP_ID: names.loaderGroup,
    DB_SYNC_BATCHES_TOPIC: names.batchesTopic,
    DB_SYNC_APPLIED_TOPIC: names.appliedTopic,
    DB_SYNC_LOG_FILE: join(home, 'logs', 'db-sync.log'),
  };
}

/** A long-running service of the pipeline; its output in `<home>/logs/<name>.log`. */
export interface Background {
  name: string;
  logFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startBackground(
  name: string,
  service: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  home: string,
): Background {
  const logFile = join(home, 'logs', `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn('node', [...FROM_SOURCE, serviceMain(service), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return {
    name,
    logFile,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Waits until each group has a member with partitions, so a timed run starts against a pipeline
 * already consuming, as a user's does. Fails at once when a service exits, at `timeoutMs` otherwise.
 */
export async function waitConsuming(
  kafka: Kafka,
  groups: readonly string[],
  services: readonly Background[],
  timeoutMs: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = services.find((s) => s.child.exitCode !== null || s.child.signalCode !== null);
      if (dead) throw new Error(`${dead.name} exited while starting:\n${await tail(dead.logFile)}`);
      const { groups: described } = await admin.describeGroups([...groups]);
      if (described.every((g) => g.state === 'Stable' && g.members.length > 0)) return;
      if (Date.now() > deadline)
        throw new Error(
          `the pipeline is not consuming after ${timeoutMs} ms: ${described.map((g) => `${g.groupId} ${g.state}`).join(', ')}`,
        );
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}

/** How one `db-sync run` ended. */
export interface SyncRun {
  code: number | null;
  ms: number;
  /** Epoch milliseconds the process was started at, to place its batch's timestamps. */
  startedAt: number;
  stdout: string;
}

/**
 * One `db-sync run --config FILE` to its exit; a background service dying meanwhile fails it at
 * once (db-sync would otherwise wait out its apply timeout).
 */
export async function runSync(
  configFile: string,
  env: NodeJS.ProcessEnv,
  services: readonly Background[],
): Promise<SyncRun> {
  const startedAt = Date.now();
  const started = performance.now();
  const child = spawn(
    'node',
    [...FROM_SOURCE, serviceMain('db-sync'), 'run', '--config', configFile],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const died = services.map((s) =>
    once(s.child, 'exit').then(async () => {
      throw new Error(`${s.name} exited during the sync:\n${await tail(s.logFile)}`);
    }),
  );
  try {
    const code = await Promise.race([exited, ...died]);
    return { code, ms: performance.now() - started, startedAt, stdout };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    for (const promise of died) promise.catch(() => {});
  }
}

/** The last lines of a log file, to show why a process failed. */
export async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function serviceMain(service: string): string {
  return join(ROOT, 'services', service, 'src', 'main.ts');
}
