// The database source's pipeline as real processes, as commands.sh runs it: the bronze sink on
// the table topics (its own group), the warehouse loader's db worker, and db-sync runs. Topics,
// groups and LAKESTREAM_HOME are the test's own; Kafka and MariaDB are the global set-up's.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { runChild, TS_NODE } from '../../src/child-process.js';

export const ROOT = resolve(import.meta.dirname, '../../../..');

/** The test's own names for every shared topic and group. */
export interface PipelineNames {
  id: string;
  batchesTopic: string;
  appliedTopic: string;
  filesTopic: string;
}

export function pipelineNames(id: string): PipelineNames {
  return {
    id,
    batchesTopic: `test.dbe2e.${id}.batches`,
    appliedTopic: `test.dbe2e.${id}.applied`,
    filesTopic: `test.dbe2e.${id}.files`,
  };
}

/** Environment of every process of the pipeline: the stack's variables, the test's names. */
export function pipelineEnv(home: string, names: PipelineNames): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LAKESTREAM_HOME: home,
    LOG_LEVEL: 'info',
    BRONZE_SINK_MANIFEST_TOPIC: names.filesTopic,
    BRONZE_SINK_GROUP_ID: `test-dbe2e-${names.id}-bronze`,
    BRONZE_SINK_INSTANCE_ID: `dbe2e-${names.id}`,
    BRONZE_SINK_IDLE_FLUSH: '300ms',
    WAREHOUSE_TARGET: 'duckdb',
    WAREHOUSE_LOADER_DB_BATCHES_TOPIC: names.batchesTopic,
    WAREHOUSE_LOADER_DB_APPLIED_TOPIC: names.appliedTopic,
    WAREHOUSE_LOADER_BRONZE_FILES_TOPIC: names.filesTopic,
    WAREHOUSE_LOADER_DB_GROUP_ID: `test-dbe2e-${names.id}-loader`,
    DB_SYNC_BATCHES_TOPIC: names.batchesTopic,
    DB_SYNC_APPLIED_TOPIC: names.appliedTopic,
  };
}

/** A background service of the pipeline, its stderr and stdout in `<home>/logs/<name>.log`. */
export interface Background {
  name: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startBackground(
  name: string,
  service: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  home: string,
): Background {
  const log = createWriteStream(join(home, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(
    'node',
    [...TS_NODE, join(ROOT, 'services', service, 'src', 'main.ts'), ...args],
    {
      cwd: ROOT,
      env: { ...env, METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return {
    name,
    child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts the bronze sink on `topics` and the loader's db worker. */
export function startDbPipeline(
  home: string,
  env: NodeJS.ProcessEnv,
  topics: string[],
): { sink: Background; loader: Background; stop(): Promise<void> } {
  const sink = startBackground(
    'bronze-sink-db',
    'bronze-sink',
    [],
    {
      ...env,
      BRONZE_SINK_TOPICS: topics.join(','),
    },
    home,
  );
  const loader = startBackground(
    'warehouse-loader-db',
    'warehouse-loader',
    ['db-worker'],
    env,
    home,
  );
  return {
    sink,
    loader,
    async stop() {
      await Promise.all([sink.stop(), loader.stop()]);
    },
  };
}

/** One invocation of a service's command line to completion, its logs in `<home>/logs/<log>.log`. */
export function runService(
  service: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  home: string,
  log: string = service,
): ReturnType<typeof runChild> {
  return runChild('node', [...TS_NODE, join(ROOT, 'services', service, 'src/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...env, METRICS_PORT: '0' },
    logFile: join(home, 'logs', `${log}.log`),
  });
}

/** One `db-sync` invocation to completion. */
export function dbSync(
  args: string[],
  env: NodeJS.ProcessEnv,
  home: string,
): ReturnType<typeof runChild> {
  return runService('db-sync', args, env, home);
}
