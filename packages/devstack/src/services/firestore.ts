import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackError } from '../errors.js';
import { pickPort } from '../ports.js';
import { isAlive, startDaemon, stopDaemon, waitUntil } from '../process-control.js';
import type { ServiceDriver, ServiceInstance, StartContext } from './service.js';

const run = promisify(execFile);

/** The variable that names the emulator's jar when it is not where the Google Cloud SDK puts it. */
export const FIRESTORE_JAR_ENV = 'LAKESTREAM_FIRESTORE_EMULATOR_JAR';

/** Where Debian's google-cloud-cli-firestore-emulator package installs the jar. */
export const SYSTEM_FIRESTORE_JAR =
  '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';

/** The jar's place inside a Google Cloud SDK installation. */
const SDK_JAR_PATH = join('platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar');

const MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';

/** The emulator only speaks English in its errors; the SDK's own launcher sets the same. */
const JVM_FLAGS = ['-Duser.language=en'];

/**
 * How long a start may take: 5 s cold on an idle 2-core machine, 2.5 s warm; a machine busy with
 * a test suite is several times slower, and a JVM start is mostly CPU.
 */
const START_TIMEOUT_MS = 120_000;

/** What the jar lookup consults; tests replace the parts a machine decides. */
export interface FirestoreJarLookup {
  /** Supplies LAKESTREAM_FIRESTORE_EMULATOR_JAR and the PATH on which `gcloud` is looked for. */
  env?: NodeJS.ProcessEnv;
  /** The last place tried (Debian's package). */
  systemJar?: string;
}

/**
 * Google's Cloud Firestore emulator jar. No registry offers it (not Maven Central, not npm, and
 * Google's apt repository and download host are not reachable), so it is found on the machine:
 * `$LAKESTREAM_FIRESTORE_EMULATOR_JAR`, then the SDK that `gcloud` on PATH belongs to, then Debian's
 * install path.
 */
export async function findFirestoreEmulatorJar(lookup: FirestoreJarLookup = {}): Promise<string> {
  const env = lookup.env ?? process.env;
  const systemJar = lookup.systemJar ?? SYSTEM_FIRESTORE_JAR;
  const named = env[FIRESTORE_JAR_ENV];
  if (named) {
    if (isFile(named)) return named;
    throw missingJar(`${FIRESTORE_JAR_ENV}=${named} is not a file`);
  }
  const sdkRoot = gcloudSdkRoot(env);
  const sdkJar = sdkRoot ? join(sdkRoot, SDK_JAR_PATH) : undefined;
  if (sdkJar && isFile(sdkJar)) return sdkJar;
  if (isFile(systemJar)) return systemJar;
  throw missingJar(
    `the Cloud Firestore emulator jar was not found (looked at ${[sdkJar, systemJar]
      .filter(Boolean)
      .join(' and ')})`,
  );
}

function missingJar(message: string): DevstackError {
  return new DevstackError('LS_DEVSTACK_FIRESTORE_EMULATOR_MISSING', message, {
    hint: `install Debian's google-cloud-cli-firestore-emulator package (or \`gcloud components install cloud-firestore-emulator\`), or set ${FIRESTORE_JAR_ENV} to the jar; no package registry offers it`,
  });
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * The SDK root of the `gcloud` on the given PATH: the folder above the `bin/` its real path is in.
 * gcloud's launcher finds its SDK the same way; asking `gcloud info` instead starts Python and
 * reads the whole SDK configuration, a second or more at every emulator start.
 */
function gcloudSdkRoot(env: NodeJS.ProcessEnv): string | undefined {
  const gcloud = (env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, 'gcloud'))
    .find(isFile);
  return gcloud ? dirname(dirname(realpathSync(gcloud))) : undefined;
}

/** The emulator's version line (`cloud-firestore-emulator 1.19.9`); also proves Java runs it. */
async function emulatorVersion(jar: string): Promise<string> {
  try {
    const { stdout } = await run('java', [...JVM_FLAGS, '-cp', jar, MAIN_CLASS, '--version'], {
      timeout: START_TIMEOUT_MS,
    });
    return stdout.trim();
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DevstackError(
      missing ? 'LS_DEVSTACK_TOOL_MISSING' : 'LS_DEVSTACK_START_FAILED',
      missing ? "'java' is not available" : `${jar} does not run as the Firestore emulator`,
      {
        cause: err,
        hint: 'the emulator needs a Java 17 runtime (Debian: openjdk-17-jre-headless)',
      },
    );
  }
}

/**
 * Google's Cloud Firestore emulator from the machine's Google Cloud SDK, on Java, on 127.0.0.1.
 * It keeps every document in memory: a restart starts empty.
 */
export const firestoreDriver: ServiceDriver = {
  name: 'firestore',
  externalEnv: 'FIRESTORE_EMULATOR_HOST',
  // A JVM shutdown hook stops the gRPC server; the emulator starts no child process.
  stopSignal: 'SIGTERM',

  async install() {
    await findFirestoreEmulatorJar();
  },

  async start(ctx: StartContext): Promise<ServiceInstance> {
    const jar = await findFirestoreEmulatorJar();
    const version = await emulatorVersion(jar);
    const port = await pickPort(ctx.previous?.ports.firestore ?? 8180, ctx.takenPorts);
    // Without a port of its own it opens its WebSocket listener on any free one.
    const websocketPort = await pickPort(ctx.previous?.ports.websocket, ctx.takenPorts);
    const logFile = join(ctx.stackDir, 'logs', 'firestore.log');
    const pid = startDaemon({
      command: 'java',
      args: [
        ...JVM_FLAGS,
        '-cp',
        jar,
        MAIN_CLASS,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--websocket_port',
        String(websocketPort),
      ],
      logFile,
      cwd: ctx.stackDir,
    });
    const env = { FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}` };
    try {
      await waitUntil('Firestore emulator', () => this.check(env), {
        timeoutMs: START_TIMEOUT_MS,
        alive: () => isAlive(pid),
      });
    } catch (err) {
      await stopDaemon(pid, { signal: this.stopSignal });
      throw new DevstackError('LS_DEVSTACK_START_FAILED', `${(err as Error).message} (${jar})`, {
        cause: err,
        hint: `the last lines of ${logFile}:\n${logTail(logFile)}`,
      });
    }
    return {
      pid,
      ports: { firestore: port, websocket: websocketPort },
      env,
      startedAt: new Date().toISOString(),
      version,
    };
  },

  async check(env) {
    const response = await fetch(`http://${env.FIRESTORE_EMULATOR_HOST}/`, {
      signal: AbortSignal.timeout(3_000),
    });
    if (!response.ok) throw new Error(`Firestore emulator answered ${response.status}`);
  },
};

function logTail(file: string, lines = 20): string {
  if (!existsSync(file)) return '    (no log)';
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `    ${line}`)
    .join('\n');
}

/**
 * Deletes every document of a project in the emulator at `host` (FIRESTORE_EMULATOR_HOST), so a
 * test starts from nothing. The emulator's own endpoint; there is no such call in production.
 */
export async function resetFirestoreEmulator(host: string, project: string): Promise<void> {
  const url = `http://${host}/emulator/v1/projects/${encodeURIComponent(project)}/databases/(default)/documents`;
  const response = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(30_000) });
  if (!response.ok) {
    throw new Error(`clearing ${project} in the Firestore emulator at ${host}: ${response.status}`);
  }
}
