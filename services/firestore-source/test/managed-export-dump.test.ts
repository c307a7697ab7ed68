import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGcsStore, createStorageClient } from '@lakestream/object-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparable, expectedDocs, readWithOurs } from './support/export-cross-check.js';
import { encodeEntity, fs } from './support/export-entity.js';
import { mixedDocs, smallDocs } from './support/export-fixtures.js';
import { LogWriter, writeExport } from './support/export-writer.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const emulatorHost = process.env.STORAGE_EMULATOR_HOST!;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `firestore-source dump ARGS` as a process, as a user would. */
function dump(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', 'src/main.ts', 'dump', ...args],
      { cwd: PACKAGE_DIR, maxBuffer: 64 * 1024 * 1024, env: process.env },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function lines(stdout: string) {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { path: string; fields: Record<string, unknown> });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-dump-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('firestore-source dump', () => {
  it('prints every document as a JSON line and exits 0 when all were read', async () => {
    const docs = mixedDocs();
    const written = await writeExport(root, 'good', docs, {
      layout: 'kinds',
      outputs: 2,
      entity: { app: 's~p', indexed: true },
    });
    const run = await dump(written.dir);
    expect(run.code, run.stderr).toBe(0);
    expect(comparable(lines(run.stdout))).toEqual(comparable(expectedDocs(docs)));
    expect(run.stderr).toContain(`${docs.length} documents, 0 bad records`);
    const one = await dump(written.dir, '--kind', 'pods');
    expect(
      lines(one.stdout)
        .map((d) => d.path)
        .sort(),
    ).toEqual(smallDocs('pods', 40).map((d) => d.path));
  });

  it('reports each bad record on stderr with file and byte offset, goes on, and exits 1', async () => {
    const log = new LogWriter();
    const good = smallDocs('ok', 3);
    log.add(encodeEntity(good[0]!, { app: 's~p' }));
    log.add(
      encodeEntity(
        { path: 'odd/text', fields: { t: fs.raw(8, Buffer.from([0x1a, 0])) } },
        { app: 's~p' },
      ),
    );
    log.add(encodeEntity(good[1]!, { app: 's~p' }));
    log.add(Buffer.from([0xff, 0xff]));
    log.add(encodeEntity(good[2]!, { app: 's~p' }));
    const dir = join(root, 'bad', 'all_namespaces', 'all_kinds');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'output-0');
    await writeFile(file, log.bytes());
    const run = await dump(join(root, 'bad'));
    expect(run.code).toBe(1);
    expect(lines(run.stdout).map((d) => d.path)).toEqual(good.map((d) => d.path));
    expect(run.stderr).toContain(
      `bad record [unknown_property_type] at ${file}:${log.offsets[1]} (document odd/text)`,
    );
    expect(run.stderr).toContain(`bad record [bad_entity] at ${file}:${log.offsets[3]}:`);
    expect(run.stderr).toContain(
      '3 documents, 2 bad records (unknown_property_type 1, bad_entity 1)',
    );
  });

  it('counts the bytes a checksum mismatch skips, and says which', async () => {
    const docs = smallDocs('crc', 600);
    const log = new LogWriter();
    for (const d of docs) log.add(encodeEntity(d, { app: 's~p' }));
    const body = log.bytes();
    const victim = 10;
    body[log.offsets[victim]! + 7 + 3]! ^= 0xff;
    const dir = join(root, 'crc', 'all_namespaces', 'all_kinds');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'output-0');
    await writeFile(file, body);
    const run = await dump(join(root, 'crc'));
    expect(run.code).toBe(1);
    const skipped = 32 * 1024 - log.offsets[victim]!;
    expect(run.stderr).toContain(
      `bad record [crc_mismatch] at ${file}:${log.offsets[victim]}: checksum`,
    );
    expect(run.stderr).toContain(
      `skipped ${skipped} bytes [${log.offsets[victim]}, ${32 * 1024}) to the next block`,
    );
    const lost = docs.filter((_, i) => i >= victim && log.offsets[i]! < 32 * 1024).length;
    expect(run.stderr).toContain(
      `${docs.length - lost} documents, 1 bad records (crc_mismatch 1), ${skipped} bytes skipped after damage`,
    );
  });

  it('exits 2 on usage errors: no path, two paths, an unknown option, a path with no export', async () => {
    for (const args of [[], ['a', 'b'], ['--nope', 'x'], [join(root, 'nothing-here')]]) {
      const run = await dump(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
    }
    expect((await dump('--help')).code).toBe(0);
  });

  it('reads an export from gs:// (fake-gcs-server) as from the local folder', async () => {
    const docs = mixedDocs();
    const written = await writeExport(root, 'to-gcs', docs, {
      layout: 'kinds',
      outputs: 2,
      entity: { app: 's~p', indexed: true, numericIds: true },
    });
    const storage = createStorageClient({ emulatorHost });
    const bucket = `ls-test-${randomUUID()}`;
    await storage.bucket(bucket).create();
    try {
      const store = createGcsStore({ bucket, prefix: 'exports/to-gcs', emulatorHost });
      for (const path of await filesUnder(written.dir)) {
        await store.put(relative(written.dir, path), await readFile(path));
      }
      const local = await readWithOurs(written.dir);
      const remote = await readWithOurs(`gs://${bucket}/exports/to-gcs`, { emulatorHost });
      expect(remote.bad).toEqual([]);
      expect(remote.docs.map((d) => [d.path, d.offset])).toEqual(
        local.docs.map((d) => [d.path, d.offset]),
      );
      expect(remote.docs[0]!.file).toMatch(
        new RegExp(`^gs://${bucket}/exports/to-gcs/all_namespaces/kind_`),
      );
      expect(remote.facts?.kinds).toEqual(local.facts?.kinds);
      // A key prefix in a store the caller already has (the lake, say).
      const lake = createGcsStore({ bucket, emulatorHost });
      const viaStore = await readWithOurs('exports/to-gcs', { store: lake });
      expect(comparable(viaStore.docs)).toEqual(comparable(local.docs));
      const run = await dump(`gs://${bucket}/exports/to-gcs`);
      expect(run.code, run.stderr).toBe(0);
      expect(comparable(lines(run.stdout))).toEqual(comparable(expectedDocs(docs)));
    } finally {
      await storage.bucket(bucket).deleteFiles({ force: true });
      await storage.bucket(bucket).delete();
    }
  });
});
