import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGES, startContainer, useContainers } from './containers.js';
import { DevstackError } from './errors.js';
import { lakestreamHome } from './paths.js';
import { isAlive, stopDaemon } from './process-control.js';
import { bigqueryDriver } from './services/bigquery.js';
import { firestoreDriver } from './services/firestore.js';
import { gcsDriver } from './services/gcs.js';
import { kafkaDriver } from './services/kafka.js';
import { mariadbDriver } from './services/mariadb.js';
import { postgresDriver } from './services/postgres.js';
import {
  SERVICE_NAMES,
  type ServiceDriver,
  type ServiceInstance,
  type ServiceName,
} from './services/service.js';
import { readState, writeState } from './state.js';
import type { Progress } from './tools.js';

export const DRIVERS: Record<ServiceName, ServiceDriver> = {
  kafka: kafkaDriver,
  postgres: postgresDriver,
  mariadb: mariadbDriver,
  gcs: gcsDriver,
  bigquery: bigqueryDriver,
  firestore: firestoreDriver,
};

/** The BigQuery emulator reads gs:// through fake-gcs-server, so it brings it along. */
const REQUIRES: Partial<Record<ServiceName, ServiceName[]>> = { bigquery: ['gcs'] };

/** How a service came to be available to the caller. */
export type Origin = 'started' | 'reused' | 'external';

export interface StackOptions {
  /** The services wanted; default: kafka, postgres and gcs (MariaDB and the BigQuery and Firestore emulators on request). */
  services?: readonly ServiceName[];
  /** LAKESTREAM_HOME; the stack lives in `<home>/devstack`. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  progress?: Progress;
}

export interface StackHandle {
  /** Variables that point clients at every wanted service (KAFKA_BROKERS, DATABASE_URL, …). */
  env: Record<string, string>;
  origins: Partial<Record<ServiceName, Origin>>;
  /** Stops exactly the services this call started; idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_SERVICES: readonly ServiceName[] = ['kafka', 'postgres', 'gcs'];

function withRequirements(services: readonly ServiceName[]): ServiceName[] {
  const wanted = new Set<ServiceName>();
  for (const s of services) {
    for (const r of REQUIRES[s] ?? []) wanted.add(r);
    wanted.add(s);
  }
  return SERVICE_NAMES.filter((s) => wanted.has(s));
}

function stackDirOf(options: StackOptions): string {
  return join(options.home ?? lakestreamHome(options.env), 'devstack');
}

/**
 * Makes every wanted service available: the user's own when its variable is set (KAFKA_BROKERS,
 * DATABASE_URL, MYSQL_URL, STORAGE_EMULATOR_HOST, BIGQUERY_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST), else the one a previous command
 * started when it still answers, else a new local process.
 */
export async function ensureStack(options: StackOptions = {}): Promise<StackHandle> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => {});
  if (await useContainers(env)) return ensureContainerStack(options, env, progress);
  const stackDir = stackDirOf(options);
  mkdirSync(stackDir, { recursive: true });
  const release = await lock(stackDir);
  const started: ServiceName[] = [];
  const origins: StackHandle['origins'] = {};
  const clientEnv: Record<string, string> = {};
  try {
    const state = readState(stackDir);
    const takenPorts = new Set<number>(
      Object.values(state.services).flatMap((s) => Object.values(s?.ports ?? {})),
    );
    for (const name of withRequirements(options.services ?? DEFAULT_SERVICES)) {
      const driver = DRIVERS[name];
      const external = env[driver.externalEnv];
      const own = state.services[name];
      if (external && own?.env[driver.externalEnv] !== external) {
        await checkExternal(driver, { [driver.externalEnv]: external });
        clientEnv[driver.externalEnv] = external;
        origins[name] = 'external';
        continue;
      }
      if (own?.pid && isAlive(own.pid) && (await answers(driver, own.env))) {
        Object.assign(clientEnv, own.env);
        origins[name] = 'reused';
        continue;
      }
      if (own?.pid && isAlive(own.pid)) await stopDaemon(own.pid, { signal: driver.stopSignal });
      for (const port of Object.values(own?.ports ?? {})) takenPorts.delete(port);
      progress(`starting ${name}`);
      const began = Date.now();
      let instance: Awaited<ReturnType<ServiceDriver['start']>>;
      try {
        instance = await driver.start({
          stackDir,
          takenPorts,
          previous: own,
          running: state.services,
          progress,
        });
      } catch (err) {
        if (err instanceof DevstackError) throw err;
        throw new DevstackError(
          'LS_DEVSTACK_START_FAILED',
          `${name} did not start: ${(err as Error).message}`,
          {
            cause: err,
            hint: `see ${join(stackDir, 'logs', `${name}.log`)}`,
          },
        );
      }
      progress(
        `${name} ready in ${((Date.now() - began) / 1000).toFixed(1)} s (${Object.entries(
          instance.env,
        )
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')})`,
      );
      state.services[name] = instance;
      writeState(stackDir, state);
      Object.assign(clientEnv, instance.env);
      origins[name] = 'started';
      started.push(name);
    }
  } catch (err) {
    await stopServices(stackDir, started);
    throw err;
  } finally {
    release();
  }
  return {
    env: clientEnv,
    origins,
    stop: once(async () => {
      await stopServices(stackDir, started);
    }),
  };
}

/**
 * With a Docker engine: every wanted service not given by the user as a container, removed by
 * `stop()` (or by testcontainers' reaper when the process dies). Nothing is remembered between
 * commands; `docker compose up` is the way to keep a stack running there.
 */
async function ensureContainerStack(
  options: StackOptions,
  env: NodeJS.ProcessEnv,
  progress: Progress,
): Promise<StackHandle> {
  const clientEnv: Record<string, string> = {};
  const origins: StackHandle['origins'] = {};
  const running: Partial<Record<ServiceName, ServiceInstance>> = {};
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    for (const name of withRequirements(options.services ?? DEFAULT_SERVICES)) {
      const driver = DRIVERS[name];
      const external = env[driver.externalEnv];
      if (external) {
        await checkExternal(driver, { [driver.externalEnv]: external });
        clientEnv[driver.externalEnv] = external;
        origins[name] = 'external';
        continue;
      }
      progress(`starting ${name} (container ${IMAGES[name]})`);
      const container = await startContainer(name, running);
      stops.push(container.stop);
      running[name] = container.instance;
      Object.assign(clientEnv, container.instance.env);
      origins[name] = 'started';
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { env: clientEnv, origins, stop: once(stopAll) };
}

/** The first call runs `fn`; every later call returns the same promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}

/** Stops the named services (default: every service the devstack started under this home). */
export async function stopStack(options: StackOptions = {}): Promise<ServiceName[]> {
  const stackDir = stackDirOf(options);
  const state = readState(stackDir);
  const names = options.services
    ? withDependents(options.services)
    : (Object.keys(state.services) as ServiceName[]);
  return stopServices(stackDir, names);
}

function withDependents(services: readonly ServiceName[]): ServiceName[] {
  const names = new Set(services);
  for (const [dependent, requires] of Object.entries(REQUIRES)) {
    if (requires.some((r) => names.has(r))) names.add(dependent as ServiceName);
  }
  return [...names];
}

async function stopServices(
  stackDir: string,
  names: readonly ServiceName[],
): Promise<ServiceName[]> {
  const state = readState(stackDir);
  const stopped: ServiceName[] = [];
  // Reverse start order: the emulator before the storage it reads from.
  for (const name of [...SERVICE_NAMES].reverse()) {
    const instance = state.services[name];
    if (!names.includes(name) || !instance) continue;
    if (instance.pid) await stopDaemon(instance.pid, { signal: DRIVERS[name].stopSignal });
    delete state.services[name];
    stopped.push(name);
  }
  writeState(stackDir, state);
  return stopped;
}

/** One line per service: whether it runs and answers, and how to reach it. */
export async function stackStatus(options: StackOptions = {}): Promise<
  {
    name: ServiceName;
    running: boolean;
    healthy: boolean;
    pid?: number;
    env: Record<string, string>;
  }[]
> {
  const state = readState(stackDirOf(options));
  return Promise.all(
    SERVICE_NAMES.map(async (name) => {
      const instance = state.services[name];
      const running = Boolean(instance?.pid && isAlive(instance.pid));
      const healthy = running && instance ? await answers(DRIVERS[name], instance.env) : false;
      return { name, running, healthy, pid: instance?.pid, env: instance?.env ?? {} };
    }),
  );
}

async function answers(driver: ServiceDriver, env: Record<string, string>): Promise<boolean> {
  try {
    await driver.check(env);
    return true;
  } catch {
    return false;
  }
}

async function checkExternal(driver: ServiceDriver, env: Record<string, string>): Promise<void> {
  try {
    await driver.check(env);
  } catch (err) {
    throw new DevstackError(
      'LS_DEVSTACK_UNREACHABLE',
      `${driver.externalEnv}=${redact(env[driver.externalEnv]!)} does not answer`,
      {
        cause: err,
        hint: `unset ${driver.externalEnv} to let the devstack start its own ${driver.name}`,
        retryable: true,
      },
    );
  }
}

function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:[redacted]@');
}

/**
 * A lock file so that two commands (a test run and `commands.sh up`) never start the same
 * service twice. It names its owner's pid: a lock whose owner is gone is a leftover.
 */
async function lock(stackDir: string): Promise<() => void> {
  const file = join(stackDir, '.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim() || 0);
      if (!owner || !isAlive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new DevstackError(
          'LS_DEVSTACK_START_FAILED',
          `the stack is locked by process ${owner} (${file})`,
        );
      }
      await sleep(200);
    }
  }
}
