import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackError } from './errors.js';
import { PACKAGE_DIR, toolCache } from './paths.js';

const run = promisify(execFile);

/** Pinned versions of everything the local stack runs. docker-compose.yml uses the same. */
export const VERSIONS = {
  kafka: '3.9.1',
  fakeGcsServer: 'v1.56.1',
  bigqueryEmulator: 'v0.8.1',
} as const;

/** Reports what a slow installation step is doing, so a first run does not look stuck. */
export type Progress = (message: string) => void;

const TOOLS_DIR = join(PACKAGE_DIR, 'tools');

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
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(toolCache(), { recursive: true });
  renameSync(staging, dir);
  return libs;
}

/** A Go tool, built once from the pinned module in `tools/<name>/` (go.mod + go.sum). */
export async function ensureGoTool(
  name: 'fake-gcs-server' | 'bigquery-emulator',
  progress: Progress = () => {},
): Promise<string> {
  const version = name === 'fake-gcs-server' ? VERSIONS.fakeGcsServer : VERSIONS.bigqueryEmulator;
  const pkg =
    name === 'fake-gcs-server'
      ? 'github.com/fsouza/fake-gcs-server'
      : 'github.com/goccy/bigquery-emulator/cmd/bigquery-emulator';
  const binary = join(toolCache(), 'bin', `${name}-${version}`);
  if (existsSync(binary)) return binary;
  await requireCommand('go', ['version'], 'install Go ≥ 1.24 (https://go.dev/dl or Debian golang)');
  progress(
    `building ${name} ${version} with Go (once${name === 'bigquery-emulator' ? '; this one takes a few minutes' : ''})`,
  );
  mkdirSync(join(toolCache(), 'bin'), { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  try {
    await run('go', ['build', '-trimpath', '-o', partial, pkg], {
      cwd: join(TOOLS_DIR, name),
      // CGO off: both tools are pure Go, so no C toolchain is involved and the binary is static.
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    rmSync(partial, { force: true });
    throw new DevstackError('LS_DEVSTACK_INSTALL_FAILED', `building ${name} ${version} failed`, {
      cause: err,
      hint: 'check that the Go module proxy is reachable; re-run ./commands.sh setup',
      retryable: true,
    });
  }
  renameSync(partial, binary);
  return binary;
}

/** The folder holding PostgreSQL's server binaries (initdb, postgres, pg_ctl). */
export async function ensurePostgresBinaries(progress: Progress = () => {}): Promise<string> {
  const found = findPostgresBinDir();
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    progress("installing Debian's PostgreSQL server package (once)");
    try {
      await run('apt-get', ['update', '-qq'], { maxBuffer: 64 * 1024 * 1024 });
      await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      throw new DevstackError('LS_DEVSTACK_INSTALL_FAILED', 'apt-get install postgresql failed', {
        cause: err,
        retryable: true,
      });
    }
    const installed = findPostgresBinDir();
    if (installed) return installed;
  }
  throw new DevstackError('LS_DEVSTACK_TOOL_MISSING', 'PostgreSQL server binaries not found', {
    hint: 'install PostgreSQL ≥ 14 (Debian: sudo apt-get install postgresql), or set DATABASE_URL to your own server',
  });
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
