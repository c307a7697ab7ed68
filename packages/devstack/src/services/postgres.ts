import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { pickPort } from '../ports.js';
import { isAlive, startDaemon, waitUntil } from '../process-control.js';
import { ensurePostgresBinaries } from '../tools.js';
import {
  clusterFolder,
  recordStackFolder,
  removeClustersOfRemovedStacks,
  type ServerUser,
} from './postgres-cluster-folder.js';
import type { ServiceDriver, ServiceInstance, StartContext } from './service.js';

const run = promisify(execFile);

const USER = 'lakestream';
const DATABASE = 'lakestream';

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
 * (Debian's package creates it), with its data in a folder that user can reach.
 */
function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new Error("running as root, but there is no 'postgres' system user to run the server as");
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A real PostgreSQL server (Debian's binaries), its own cluster, on 127.0.0.1. */
export const postgresDriver: ServiceDriver = {
  name: 'postgres',
  externalEnv: 'DATABASE_URL',
  // SIGINT is PostgreSQL's "fast" shutdown: SIGTERM would wait for every client to leave.
  stopSignal: 'SIGINT',

  async install(progress) {
    await ensurePostgresBinaries(progress);
  },

  async start(ctx: StartContext): Promise<ServiceInstance> {
    const bin = await ensurePostgresBinaries(ctx.progress);
    const asUser = serverUser();
    if (asUser) {
      const cleared = removeClustersOfRemovedStacks();
      for (const gone of cleared.removed)
        ctx.progress(`removed the PostgreSQL cluster of a removed stack (${gone})`);
      for (const why of cleared.failed)
        ctx.progress(`could not remove the PostgreSQL cluster of a removed stack: ${why}`);
    }
    const root = clusterFolder(ctx.stackDir, asUser);
    const dataDir = join(root, 'data');
    const socketDir = join(root, 'run');
    // Parents stay traversable (0755) for the server user; its own folders are private.
    mkdirSync(dirname(root), { recursive: true, mode: 0o755 });
    for (const dir of [root, socketDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (asUser) chownSync(dir, asUser.uid, asUser.gid);
    }
    recordStackFolder(root, ctx.stackDir);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await run(
        join(bin, 'initdb'),
        ['-D', dataDir, '-U', USER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
        { ...(asUser ?? {}), cwd: root },
      );
    }
    const port = await pickPort(ctx.previous?.ports.postgres ?? 5432, ctx.takenPorts);
    const pid = startDaemon({
      command: join(bin, 'postgres'),
      args: [
        '-D',
        dataDir,
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-k',
        socketDir,
        // A disposable development cluster: durability against power loss is not needed here,
        // and skipping fsync keeps the tests fast. Never use these settings in production.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=256MB',
      ],
      logFile: join(ctx.stackDir, 'logs', 'postgres.log'),
      cwd: root,
      ...(asUser ?? {}),
    });
    const adminUrl = `postgres://${USER}:${USER}@127.0.0.1:${port}/postgres`;
    await waitUntil('PostgreSQL', () => query(adminUrl, 'select 1'), {
      timeoutMs: 60_000,
      alive: () => isAlive(pid),
    });
    const exists = await query(adminUrl, 'select 1 from pg_database where datname = $1', [
      DATABASE,
    ]);
    if (exists.rowCount === 0) await query(adminUrl, `create database ${DATABASE}`);
    const env = { DATABASE_URL: `postgres://${USER}:${USER}@127.0.0.1:${port}/${DATABASE}` };
    return {
      pid,
      ports: { postgres: port },
      env,
      startedAt: new Date().toISOString(),
      version: bin.split('/').at(-2) ?? '',
    };
  },

  async check(env) {
    await query(env.DATABASE_URL!, 'select 1');
  },
};

async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
