import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DevstackError,
  ensureStack,
  FIRESTORE_JAR_ENV,
  findFirestoreEmulatorJar,
  resetFirestoreEmulator,
  stackStatus,
  stopStack,
} from '../src/index.js';

/** Processes whose command line mentions `text` (the home's path is on the emulator's). */
function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

describe('firestore service', () => {
  // A home of its own, so this start is a real start and not the shared stack's emulator.
  const home = mkdtempSync(join(tmpdir(), 'lakestream-devstack-firestore-'));
  afterAll(async () => {
    await stopStack({ home });
    rmSync(home, { recursive: true, force: true });
  });

  it('starts the emulator, a real client writes and reads a document, reset clears it, stop leaves no process', async () => {
    const stack = await ensureStack({ home, env: {}, services: ['firestore'] });
    expect(stack.origins).toEqual({ firestore: 'started' });
    const host = stack.env.FIRESTORE_EMULATOR_HOST!;
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
    const [row] = (await stackStatus({ home })).filter((s) => s.name === 'firestore');
    expect(row).toMatchObject({ running: true, healthy: true });

    const project = `devstack-${process.pid}`;
    // The client prefers FIRESTORE_EMULATOR_HOST to its `host` setting: under `./commands.sh test`
    // that names the stack's emulator, not this test's own.
    const stackHost = process.env.FIRESTORE_EMULATOR_HOST;
    delete process.env.FIRESTORE_EMULATOR_HOST;
    const db = new Firestore({ projectId: project, host, ssl: false });
    try {
      const when = new Date('2026-12-05T07:00:00.123Z');
      await db.doc('teams/t1/reports/r1').set({ score: 0.5, when, tags: ['a'] });
      const read = await db.doc('teams/t1/reports/r1').get();
      expect(read.data()).toEqual({ score: 0.5, when: expect.anything(), tags: ['a'] });
      expect(read.get('when').toDate()).toEqual(when);

      await resetFirestoreEmulator(host, project);
      expect((await db.doc('teams/t1/reports/r1').get()).exists).toBe(false);
    } finally {
      await db.terminate();
      if (stackHost !== undefined) process.env.FIRESTORE_EMULATOR_HOST = stackHost;
    }

    // The user's own emulator, named by its variable, is used as it is and never stopped.
    const otherHome = mkdtempSync(join(tmpdir(), 'lakestream-devstack-firestore-ext-'));
    try {
      const external = await ensureStack({
        home: otherHome,
        env: { FIRESTORE_EMULATOR_HOST: host },
        services: ['firestore'],
      });
      expect(external.origins).toEqual({ firestore: 'external' });
      expect(external.env).toEqual({ FIRESTORE_EMULATOR_HOST: host });
      await external.stop();
      expect((await stackStatus({ home })).find((s) => s.name === 'firestore')?.healthy).toBe(true);
    } finally {
      rmSync(otherHome, { recursive: true, force: true });
    }

    await stack.stop();
    expect(row?.pid).toBeDefined();
    expect(() => process.kill(row!.pid!, 0)).toThrow();
    expect(processesMentioning(home)).toEqual([]);
    expect(processesMentioning(`--port ${host.split(':')[1]}`)).toEqual([]);
  });

  it('refuses a FIRESTORE_EMULATOR_HOST that does not answer', async () => {
    await expect(
      ensureStack({
        home,
        env: { FIRESTORE_EMULATOR_HOST: '127.0.0.1:1' },
        services: ['firestore'],
      }),
    ).rejects.toMatchObject({ code: 'LS_DEVSTACK_UNREACHABLE' });
  });
});

describe('the emulator jar lookup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestream-firestore-jar-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const named = join(dir, 'named.jar');
  const sdkRoot = join(dir, 'sdk');
  const sdkJar = join(
    sdkRoot,
    'platform',
    'cloud-firestore-emulator',
    'cloud-firestore-emulator.jar',
  );
  const systemJar = join(dir, 'system.jar');
  const missing = join(dir, 'nowhere.jar');
  mkdirSync(join(sdkRoot, 'platform', 'cloud-firestore-emulator'), { recursive: true });
  for (const jar of [named, sdkJar, systemJar]) writeFileSync(jar, 'PK');
  // A `gcloud` on PATH that links into its SDK's bin/, as Debian's /usr/bin/gcloud does.
  mkdirSync(join(sdkRoot, 'bin'));
  writeFileSync(join(sdkRoot, 'bin', 'gcloud'), '#!/bin/sh\n');
  chmodSync(join(sdkRoot, 'bin', 'gcloud'), 0o755);
  const withGcloud = join(dir, 'bin-gcloud');
  mkdirSync(withGcloud);
  symlinkSync(join(sdkRoot, 'bin', 'gcloud'), join(withGcloud, 'gcloud'));
  const noGcloud = join(dir, 'bin-empty');
  mkdirSync(noGcloud);

  it('takes the jar named by LAKESTREAM_FIRESTORE_EMULATOR_JAR first', async () => {
    const env = { [FIRESTORE_JAR_ENV]: named, PATH: withGcloud };
    expect(await findFirestoreEmulatorJar({ env, systemJar })).toBe(named);
  });

  it("then the jar in the SDK that gcloud on PATH belongs to, then Debian's path", async () => {
    expect(await findFirestoreEmulatorJar({ env: { PATH: withGcloud }, systemJar })).toBe(sdkJar);
    expect(await findFirestoreEmulatorJar({ env: { PATH: noGcloud }, systemJar })).toBe(systemJar);
  });

  it('names the Debian package and the variable when no jar exists', async () => {
    const error = await findFirestoreEmulatorJar({
      env: { PATH: noGcloud },
      systemJar: missing,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DevstackError);
    expect(error).toMatchObject({ code: 'LS_DEVSTACK_FIRESTORE_EMULATOR_MISSING' });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain('google-cloud-cli-firestore-emulator');
    expect((error as Error).message).toContain(FIRESTORE_JAR_ENV);
  });

  it('documents the code in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('`LS_DEVSTACK_FIRESTORE_EMULATOR_MISSING`');
  });

  it('fails a start with the lookup error, or with a clear one when the jar is not the emulator', async () => {
    const home = mkdtempSync(join(tmpdir(), 'lakestream-devstack-firestore-bad-'));
    const before = process.env[FIRESTORE_JAR_ENV];
    try {
      process.env[FIRESTORE_JAR_ENV] = missing;
      await expect(ensureStack({ home, env: {}, services: ['firestore'] })).rejects.toMatchObject({
        code: 'LS_DEVSTACK_FIRESTORE_EMULATOR_MISSING',
      });
      process.env[FIRESTORE_JAR_ENV] = named;
      await expect(ensureStack({ home, env: {}, services: ['firestore'] })).rejects.toMatchObject({
        code: 'LS_DEVSTACK_START_FAILED',
        message: expect.stringContaining(`${named} does not run as the Firestore emulator`),
      });
    } finally {
      if (before === undefined) delete process.env[FIRESTORE_JAR_ENV];
      else process.env[FIRESTORE_JAR_ENV] = before;
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a LAKESTREAM_FIRESTORE_EMULATOR_JAR that is not a file, rather than running another jar', async () => {
    await expect(
      findFirestoreEmulatorJar({
        env: { [FIRESTORE_JAR_ENV]: missing, PATH: withGcloud },
        systemJar,
      }),
    ).rejects.toMatchObject({
      code: 'LS_DEVSTACK_FIRESTORE_EMULATOR_MISSING',
      message: expect.stringContaining(`${FIRESTORE_JAR_ENV}=${missing} is not a file`),
    });
  });
});
