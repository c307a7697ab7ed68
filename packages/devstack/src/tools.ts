import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackError } from './errors.js';
import { PACKAGE_DIR, toolCache } from './paths.js';

const run = promisify(execFile);

/** Pinned versions of everything the local stack runs. docker-compose.yml uses the same. */
export const VERSIONS = {
  kafka: '4.1.1',
  fakeGcsServer: 'v1.56.1',
  bigqueryEmulator: 'v0.8.1',
} as const;

/** Reports what a slow installation step is doing, so a first run does not look stuck. */
export type Progress = (message: string) => void;

const TOOLS_DIR = join(PACKAGE_DIR, 'tools');

/**
 * Moves a finished `partial` (file or folder) into the tool cache at `target`. Two processes may
 * install the same pinned tool at once (test workers, two commands): the loser's rename fails on
 * the winner's folder, and the winner's copy is used.
 */
export function publishInstalled(partial: string, target: string): void {
  try {
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(target)) throw err;
  }
}

/**
 * The Kafka broker's classpath folder: the `kafka_2.13` jars and their runtime dependencies,
 * fetched once from Maven Central with the pom in `tools/kafka/`.
 */
export async function ensureKafkaJars(progress: Progress = () => {}): Promise<string> {
  const dir = join(toolCache(), `kafka-${VERSIONS.kafka}`);
  const libs = join(dir, 'libs');
  if (existsSync(join(dir, '.complete'))) return libs;
  await requireCommand(
    'java',
    ['-version'],
    'install a Java 17 runtime (Debian: openjdk-17-jre-headless)',
  );
  await requireCommand('mvn', ['-v'], 'install Maven (Debian: maven)');
  progress(`fetching Apache Kafka ${VERSIONS.kafka} jars from Maven Central (once)`);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        join(TOOLS_DIR, 'kafka', 'pom.xml'),
        `-Dkafka.version=${VERSIONS.kafka}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${join(staging, 'libs')}`,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new DevstackError(
      'LS_DEVSTACK_INSTALL_FAILED',
      'fetching the Kafka jars with Maven failed',
      {
        cause: err,
        hint: 'check that Maven Central is reachable; re-run ./commands.sh setup',
        retryable: true,
      },
    );
  }
  writeFileSync(join(staging, '.complete'), `${new Date().toISOString()}\n`);
  mkdirSync(toolCache(), { recursive: true });
  publishInstalled(staging, dir);
  return libs;
}

type GoTool = 'fake-gcs-server' | 'bigquery-emulator';

/**
 * Patches to a Go tool's dependencies, applied to a copy of the pinned module before the build
 * (files in `tools/<name>/patches/`). The emulator's SQL translator (googlesqlite) writes every
 * `=` and `AND` as a function call, which SQLite cannot index: each join is then a nested loop, a
 * join of the 180,519-row fact to 20,705 customers calls it 3.7 billion times (hours). The patch
 * writes them as SQLite's own operators where the answer is the same, and a MERGE's "source rows
 * without a target row" as an anti-join instead of a correlated NOT EXISTS (dbt/README.md).
 */
const GO_TOOL_PATCHES: Readonly<Record<GoTool, readonly { module: string; file: string }[]>> = {
  'fake-gcs-server': [],
  'bigquery-emulator': [
    {
      module: 'github.com/goccy/googlesqlite',
      file: 'googlesqlite-v0.3.1-indexable-joins.patch',
    },
  ],
};

/**
 * A Go tool, built once from the pinned module in `tools/<name>/` (go.mod + go.sum) with its
 * patches; the binary's name carries a hash of the patches, so changing one builds it again.
 */
export async function ensureGoTool(name: GoTool, progress: Progress = () => {}): Promise<string> {
  const version = name === 'fake-gcs-server' ? VERSIONS.fakeGcsServer : VERSIONS.bigqueryEmulator;
  const pkg =
    name === 'fake-gcs-server'
      ? 'github.com/fsouza/fake-gcs-server'
      : 'github.com/goccy/bigquery-emulator/cmd/bigquery-emulator';
  const source = join(TOOLS_DIR, name);
  const patches = GO_TOOL_PATCHES[name].map((patch) => ({
    ...patch,
    path: join(source, 'patches', patch.file),
  }));
  const patchHash = createHash('sha256');
  for (const patch of patches) patchHash.update(readFileSync(patch.path));
  const tag = patches.length > 0 ? `-p${patchHash.digest('hex').slice(0, 8)}` : '';
  const binary = join(toolCache(), 'bin', `${name}-${version}${tag}`);
  if (existsSync(binary)) return binary;
  await requireCommand('go', ['version'], 'install Go ≥ 1.24 (https://go.dev/dl or Debian golang)');
  if (patches.length > 0) await requireCommand('git', ['--version'], 'install git');
  progress(
    `building ${name} ${version} with Go (once${name === 'bigquery-emulator' ? '; this one takes a few minutes' : ''})`,
  );
  mkdirSync(join(toolCache(), 'bin'), { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  const work = mkdtempSync(join(toolCache(), `build-${name}-`));
  // CGO off: both tools are pure Go, so no C toolchain is involved and the binary is static.
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  try {
    for (const file of readdirSync(source)) {
      if (file.endsWith('.go') || file === 'go.mod' || file === 'go.sum')
        cpSync(join(source, file), join(work, file));
    }
    for (const patch of patches) {
      const { stdout } = await run('go', ['mod', 'download', '-json', patch.module], {
        cwd: work,
        env,
      });
      const copy = join(work, 'patched', patch.module.replaceAll('/', '_'));
      cpSync((JSON.parse(stdout) as { Dir: string }).Dir, copy, { recursive: true });
      await run('chmod', ['-R', 'u+w', copy]);
      // The ceiling keeps git from taking a checkout around the cache for the patch's repository.
      await run('git', ['apply', patch.path], {
        cwd: copy,
        env: { ...process.env, GIT_CEILING_DIRECTORIES: join(work, 'patched') },
      });
      await run('go', ['mod', 'edit', `-replace=${patch.module}=${copy}`], { cwd: work, env });
    }
    await run('go', ['build', '-trimpath', '-o', partial, pkg], {
      cwd: work,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    rmSync(partial, { force: true });
    throw new DevstackError('LS_DEVSTACK_INSTALL_FAILED', `building ${name} ${version} failed`, {
      cause: err,
      hint: 'check that the Go module proxy is reachable; re-run ./commands.sh setup',
      retryable: true,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  publishInstalled(partial, binary);
  return binary;
}

/**
 * Python tools the tests use as independent second readers (and a benchmark as its reference), each pinned (every package of its
 * resolved set) in `tools/<name>/requirements.txt`, with the import that proves an install works.
 */
export const PYTHON_TOOLS = {
  /** Firestore managed exports: leveldb-export's RecordsReader and the App Engine EntityProto. */
  'firestore-reader': {
    what: 'the Firestore export reader (leveldb-export 0.1.1)',
    minPython: [3, 10],
    imports:
      'import google_crc32c; from leveldb_export.records import RecordsReader; from google.appengine.datastore import entity_bytes_pb2',
  },
  /** The original Eurostat design (ijson, pandas, pyarrow, psycopg): eurostat-source's bench reference. */
  'eurostat-reference': {
    what: 'the Eurostat benchmark reference (ijson, pandas, pyarrow, psycopg)',
    minPython: [3, 11],
    imports: 'import ijson, numpy, pandas, pyarrow, psycopg',
  },
  /** JSON-stat 2.0 documents: jsonstat-validator's pydantic models of the specification. */
  'jsonstat-validator': {
    what: 'the JSON-stat validator (jsonstat-validator 0.4.6)',
    minPython: [3, 11],
    imports: 'from jsonstat_validator import validate_jsonstat',
  },
} as const;

export type PythonTool = keyof typeof PYTHON_TOOLS;

/**
 * The Python of a venv holding `tool` (see PYTHON_TOOLS). Installed from PyPI on first use, into
 * the tool cache under a name derived from the pins and the Python version, so a changed pin or
 * Python makes a new venv. `LAKESTREAM_PYTHON` chooses the Python (default `python3`).
 */
export async function ensurePythonTool(
  tool: PythonTool,
  progress: Progress = () => {},
): Promise<string> {
  const base = process.env.LAKESTREAM_PYTHON || 'python3';
  const { what, imports, minPython } = PYTHON_TOOLS[tool];
  const [major, minor] = minPython;
  const requirements = join(TOOLS_DIR, tool, 'requirements.txt');
  let baseVersion: string;
  try {
    baseVersion = (
      await run(base, [
        '-c',
        `import sys; assert sys.version_info >= (${major}, ${minor}), sys.version; print(sys.version)`,
      ])
    ).stdout;
  } catch (err) {
    throw new DevstackError(
      'LS_DEVSTACK_TOOL_MISSING',
      `no Python ≥ ${major}.${minor} as '${base}'`,
      {
        cause: err,
        hint: `install Python ${major}.${minor} or newer with its venv module (Debian: python3-venv), or set LAKESTREAM_PYTHON`,
      },
    );
  }
  const id = createHash('sha256')
    .update(readFileSync(requirements))
    .update(baseVersion)
    .digest('hex')
    .slice(0, 12);
  const dir = join(toolCache(), 'python', `${tool}-${id}`);
  const python = join(dir, 'bin', 'python');
  if (existsSync(join(dir, '.complete'))) return python;
  progress(`installing ${what} from PyPI (once)`);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await run(base, ['-m', 'venv', staging]);
    await run(
      join(staging, 'bin', 'python'),
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--no-input',
        '-r',
        requirements,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    await run(join(staging, 'bin', 'python'), ['-c', imports]);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new DevstackError('LS_DEVSTACK_INSTALL_FAILED', `installing ${what} into a venv failed`, {
      cause: err,
      hint: 'check that PyPI is reachable (pip install)',
      retryable: true,
    });
  }
  writeFileSync(join(staging, '.complete'), `${new Date().toISOString()}\n`);
  publishInstalled(staging, dir);
  return python;
}

/** The folder holding PostgreSQL's server binaries (initdb, postgres, pg_ctl). */
export async function ensurePostgresBinaries(progress: Progress = () => {}): Promise<string> {
  const found = findPostgresBinDir();
  if (found) return found;
  if (await aptInstall(['postgresql'], progress)) {
    const installed = findPostgresBinDir();
    if (installed) return installed;
  }
  throw new DevstackError('LS_DEVSTACK_TOOL_MISSING', 'PostgreSQL server binaries not found', {
    hint: 'install PostgreSQL ≥ 14 (Debian: sudo apt-get install postgresql), or set DATABASE_URL to your own server',
  });
}

/** Where MariaDB's server, its data-directory initialiser and its command-line client are. */
export interface MariadbBinaries {
  server: string;
  installDb: string;
  client: string;
}

const MARIADB_HINT =
  'install MariaDB ≥ 10.6 (Debian: sudo apt-get install mariadb-server-core mariadb-client), or set MYSQL_URL to your own server';

/**
 * MariaDB from Debian's packages: `mariadb-server-core` (mariadbd, mariadb-install-db) and
 * `mariadb-client` (mariadb), installed with apt-get when run as root and missing.
 */
export async function ensureMariadbBinaries(
  progress: Progress = () => {},
): Promise<MariadbBinaries> {
  const found = findMariadbBinaries();
  if (found) return found;
  if (await aptInstall(['mariadb-server-core', 'mariadb-client'], progress)) {
    const installed = findMariadbBinaries();
    if (installed) return installed;
  }
  throw new DevstackError('LS_DEVSTACK_TOOL_MISSING', 'MariaDB server binaries not found', {
    hint: MARIADB_HINT,
  });
}

/** The `mariadb` client alone: what checking a server, ours or the user's, needs. */
export function mariadbClient(): string {
  const client = findCommand('mariadb');
  if (client) return client;
  throw new DevstackError('LS_DEVSTACK_TOOL_MISSING', "MariaDB's client 'mariadb' not found", {
    hint: MARIADB_HINT,
  });
}

function findMariadbBinaries(): MariadbBinaries | undefined {
  const server = findCommand('mariadbd');
  const installDb = findCommand('mariadb-install-db');
  const client = findCommand('mariadb');
  return server && installDb && client ? { server, installDb, client } : undefined;
}

/** A command on PATH or in the sbin folders, which a non-root PATH often leaves out. */
function findCommand(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  return dirs
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
}

/**
 * Installs Debian packages when running as root on a Debian-like system; false when that is not
 * possible here (the caller then names what to install).
 */
async function aptInstall(packages: string[], progress: Progress): Promise<boolean> {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return false;
  progress(
    `installing Debian's ${packages.join(' and ')} package${packages.length > 1 ? 's' : ''} (once)`,
  );
  try {
    await run('apt-get', ['update', '-qq'], { maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    throw new DevstackError(
      'LS_DEVSTACK_INSTALL_FAILED',
      `apt-get install ${packages.join(' ')} failed`,
      { cause: err, retryable: true },
    );
  }
  return true;
}

function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter(
      (v) =>
        existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')),
    )
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

async function requireCommand(command: string, args: string[], hint: string): Promise<void> {
  try {
    await run(command, args);
  } catch (err) {
    throw new DevstackError('LS_DEVSTACK_TOOL_MISSING', `'${command}' is not available`, {
      cause: err,
      hint,
    });
  }
}
