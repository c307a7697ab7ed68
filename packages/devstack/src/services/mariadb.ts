import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathId } from '../paths.js';
import { pickPort } from '../ports.js';
import { isAlive, startDaemon, waitUntil } from '../process-control.js';
import { ensureMariadbBinaries, type MariadbBinaries, mariadbClient } from '../tools.js';
import type { ServiceDriver, ServiceInstance, StartContext } from './service.js';

const run = promisify(execFile);

/** The account clients use; it may create databases (each test makes its own). */
const USER = 'lakestream';

/** The kernel's limit on a unix socket path (sun_path is 108 bytes, the NUL included). */
const MAX_SOCKET_PATH = 107;

/**
 * Settings of a disposable development server. Given to the server alone (`--no-defaults`), so
 * the system's /etc/mysql configuration – its socket, datadir and port – never applies.
 */
export const SERVER_SETTINGS = [
  '--bind-address=127.0.0.1',
  '--skip-name-resolve',
  // A commit reaches the OS, not the disk, and pages are written once: losing the last second on
  // a power cut is fine for a development server, and the tests run faster. Never in production.
  '--innodb-flush-log-at-trx-commit=2',
  '--innodb-doublewrite=0',
  '--innodb-buffer-pool-size=128M',
  // Parallel test files each open a pool per database.
  '--max-connections=500',
  // What Debian's server configuration sets; the built-in default would be latin1.
  '--character-set-server=utf8mb4',
  '--collation-server=utf8mb4_general_ci',
  // TIMESTAMP values are shown in the session's zone: a fixed server default keeps results the
  // same on every machine (a client may still set its own session zone).
  '--default-time-zone=+00:00',
];

/**
 * A real MariaDB server (Debian's binaries), its own data directory under the stack folder, on
 * 127.0.0.1. As root it runs as root (`--user=root`): root reaches the stack folder wherever
 * the project lives, and no system account has to exist (Debian's `mysql` user comes with the
 * full `mariadb-server` package only).
 */
export const mariadbDriver: ServiceDriver = {
  name: 'mariadb',
  externalEnv: 'MYSQL_URL',
  // SIGTERM is mariadbd's normal shutdown: clients are disconnected and InnoDB closes cleanly.
  stopSignal: 'SIGTERM',

  async install(progress) {
    await ensureMariadbBinaries(progress);
  },

  async start(ctx: StartContext): Promise<ServiceInstance> {
    const bin = await ensureMariadbBinaries(ctx.progress);
    const root = join(ctx.stackDir, 'mariadb');
    const dataDir = join(root, 'data');
    mkdirSync(root, { recursive: true, mode: 0o700 });
    if (!existsSync(dataDir)) {
      ctx.progress('initialising the MariaDB data directory (once)');
      await initialise(bin, root, dataDir);
    }
    const port = await pickPort(ctx.previous?.ports.mariadb ?? 3306, ctx.takenPorts);
    const pid = startDaemon({
      command: bin.server,
      args: [
        '--no-defaults',
        ...runAs(),
        `--datadir=${dataDir}`,
        `--port=${port}`,
        `--socket=${socketPath(root)}`,
        `--pid-file=${join(root, 'mariadbd.pid')}`,
        ...SERVER_SETTINGS,
      ],
      logFile: join(ctx.stackDir, 'logs', 'mariadb.log'),
      cwd: root,
    });
    const env = { MYSQL_URL: `mysql://${USER}:${USER}@127.0.0.1:${port}` };
    let version = '';
    await waitUntil(
      'MariaDB',
      async () => {
        version = (await query(env.MYSQL_URL, 'select version()')).trim();
      },
      { timeoutMs: 60_000, alive: () => isAlive(pid) },
    );
    return {
      pid,
      ports: { mariadb: port },
      env,
      startedAt: new Date().toISOString(),
      version,
    };
  },

  async check(env) {
    await query(env.MYSQL_URL!, 'select 1');
  },
};

/** mariadbd refuses to run as root unless told to. */
function runAs(): string[] {
  return process.getuid?.() === 0 ? ['--user=root'] : [];
}

/**
 * Creates the system tables and the `lakestream` account in a folder of its own, then moves it
 * into place: an interrupted initialisation leaves no half-made data directory to start from.
 */
async function initialise(bin: MariadbBinaries, root: string, dataDir: string): Promise<void> {
  const partial = `${dataDir}.partial-${process.pid}`;
  const accountSql = join(root, 'account.sql');
  // Leftovers of an initialisation that was killed (the stack's lock rules out a running one).
  for (const name of readdirSync(root).filter((n) => n.startsWith('data.partial-'))) {
    rmSync(join(root, name), { recursive: true, force: true });
  }
  // In bootstrap mode the grant tables are not loaded; FLUSH PRIVILEGES loads them, so that
  // CREATE USER and GRANT work.
  writeFileSync(
    accountSql,
    [
      'FLUSH PRIVILEGES;',
      `CREATE USER '${USER}'@'%' IDENTIFIED BY '${USER}';`,
      `GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'%' WITH GRANT OPTION;`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  try {
    await run(
      bin.installDb,
      [
        '--no-defaults',
        ...runAs(),
        `--datadir=${partial}`,
        '--skip-test-db',
        '--skip-name-resolve',
        `--extra-file=${accountSql}`,
      ],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed in ${partial}`, { cause: err });
  } finally {
    rmSync(accountSql, { force: true });
  }
  renameSync(partial, dataDir);
}

/**
 * The server's own socket, never the system server's /run/mysqld/mysqld.sock. It lives beside
 * the data unless that path is too long for a unix socket; then in the temporary folder, named
 * after the stack so two homes never share one.
 */
function socketPath(root: string): string {
  const beside = join(root, 'mariadbd.sock');
  return beside.length <= MAX_SOCKET_PATH
    ? beside
    : join(tmpdir(), `lakestream-mariadb-${pathId(root)}.sock`);
}

/**
 * Runs one statement with the `mariadb` client over TCP and returns its output (tab-separated,
 * no header). The password travels in MYSQL_PWD, never on a command line that `ps` shows or an
 * error message quotes.
 */
async function query(url: string, sql: string): Promise<string> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  const args = [
    '--no-defaults',
    '--protocol=TCP',
    `--host=${target.hostname.replace(/^\[(.*)\]$/, '$1')}`,
    `--port=${target.port || '3306'}`,
    `--user=${decodeURIComponent(target.username)}`,
    '--connect-timeout=2',
    '--batch',
    '--skip-column-names',
    `--execute=${sql}`,
    ...(database ? [database] : []),
  ];
  const { stdout } = await run(mariadbClient(), args, {
    env: { ...process.env, MYSQL_PWD: decodeURIComponent(target.password) },
    timeout: 10_000,
  });
  return stdout;
}
