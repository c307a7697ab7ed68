import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ensureStack,
  removeClusterKeptApart,
  type ServiceName,
  stopStack,
} from '@lakestream/devstack';
import { ChaosError } from './errors.js';

/** The client variables of the private stack. */
export interface StackEnv {
  KAFKA_BROKERS: string;
  DATABASE_URL: string;
  STORAGE_EMULATOR_HOST: string;
  METADATA_SERVER_DETECTION: string;
}

/** A local stack of the suite's own – separate processes on free ports that it may stop and start. */
export interface PrivateStack {
  /** Its LAKESTREAM_HOME (the stack lives in `<home>/devstack`). */
  readonly home: string;
  readonly env: StackEnv;
  /** Stops one service (its data stays). */
  stop(service: 'kafka' | 'postgres'): Promise<void>;
  /** Starts it again on the same port with the same data; fails if that is not possible. */
  start(service: 'kafka' | 'postgres'): Promise<void>;
  /** Stops everything it started and removes its data (unless `keepFiles`); idempotent. */
  close(options?: { keepFiles?: boolean }): Promise<void>;
}

/** Variables that would make the devstack reuse a stack it must not touch (the user's or the shared one). */
const FOREIGN_STACK_VARS = [
  'KAFKA_BROKERS',
  'DATABASE_URL',
  'STORAGE_EMULATOR_HOST',
  'BIGQUERY_EMULATOR_HOST',
  'LAKESTREAM_HOME',
];

/** The process environment without any pointer to another stack. */
export function withoutForeignStack(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...env };
  for (const name of FOREIGN_STACK_VARS) delete clean[name];
  return clean;
}

const SERVICES: readonly ServiceName[] = ['kafka', 'postgres', 'gcs'];

/**
 * Starts Kafka, PostgreSQL and fake-gcs-server under `home` with packages/devstack, ignoring any
 * stack the environment points at: the suite stops and restarts these processes, which it may do
 * only to a stack of its own.
 */
export async function startPrivateStack(
  home: string,
  progress: (message: string) => void,
): Promise<PrivateStack> {
  const env = withoutForeignStack(process.env);
  let handle: Awaited<ReturnType<typeof ensureStack>>;
  try {
    handle = await ensureStack({ home, services: SERVICES, env, progress });
  } catch (err) {
    await stopStack({ home, env }).catch(() => {});
    throw new ChaosError(
      'LS_CHAOS_STACK_FAILED',
      `the private stack did not start: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const stackEnv: StackEnv = {
    KAFKA_BROKERS: handle.env.KAFKA_BROKERS!,
    DATABASE_URL: handle.env.DATABASE_URL!,
    STORAGE_EMULATOR_HOST: handle.env.STORAGE_EMULATOR_HOST!,
    METADATA_SERVER_DETECTION: 'none',
  };
  const variableOf = { kafka: 'KAFKA_BROKERS', postgres: 'DATABASE_URL' } as const;
  let closed: Promise<void> | undefined;
  return {
    home,
    env: stackEnv,
    async stop(service) {
      // Not stopStack: it forgets the service's ports, and the next start would then pick new
      // ones – and Kafka a fresh log folder. Stopped behind the devstack's back, the service
      // stays in its state file, and `ensureStack` starts it again where it was.
      const pid = readStackState(home).services?.[service]?.pid;
      if (pid === undefined)
        throw new ChaosError('LS_CHAOS_STACK_FAILED', `${service} has no process to stop`);
      await stopProcessGroup(pid, STOP_SIGNALS[service]);
    },
    async start(service) {
      const again = await ensureStack({ home, services: [service], env, progress });
      const wanted = stackEnv[variableOf[service]];
      // The devstack picks another port when the old one was taken meanwhile, and Kafka then
      // starts from a fresh log folder: that would be a new cluster, not a restart.
      if (again.env[variableOf[service]] !== wanted) {
        throw new ChaosError(
          'LS_CHAOS_STACK_FAILED',
          `${service} came back as ${again.env[variableOf[service]]} instead of ${wanted} (its port was taken while it was down)`,
        );
      }
    },
    close({ keepFiles = false } = {}) {
      closed ??= (async () => {
        await stopStack({ home, env });
        if (keepFiles) return;
        await rm(home, { recursive: true, force: true });
        // As root, a home the postgres user cannot reach keeps PostgreSQL's cluster outside it.
        removeClusterKeptApart(join(home, 'devstack'));
      })();
      return closed;
    },
  };
}

/** How the devstack itself stops each service: Kafka a controlled shutdown, PostgreSQL a fast one. */
const STOP_SIGNALS = { kafka: 'SIGTERM', postgres: 'SIGINT' } as const;

function readStackState(home: string): { services?: Record<string, { pid?: number }> } {
  try {
    return JSON.parse(readFileSync(join(home, 'devstack', 'state.json'), 'utf8'));
  } catch {
    return {};
  }
}

/** Signals a process group and waits until it is gone (SIGKILL after 30 s). */
async function stopProcessGroup(pid: number, signal: NodeJS.Signals): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const deadline = Date.now() + 30_000;
  process.kill(-pid, signal);
  while (alive()) {
    if (Date.now() > deadline) process.kill(-pid, 'SIGKILL');
    await sleep(100);
  }
}
