import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalStore,
  listAll,
  ObjectNotFoundError,
  type ObjectStore,
  TEMP_FILE_PREFIX,
} from '../src/index.js';
import { objectStoreContract } from './contract.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

objectStoreContract('local folder', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lakestream-store-'));
  return {
    store: createLocalStore(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

/** Every file under `dir`, relative, temp files included (what `ls -R` would show). */
async function filesOnDisk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function runChild(args: string[]): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', ...args],
      { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('local folder: atomic writes', () => {
  let root: string;
  let store: ObjectStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakestream-atomic-'));
    store = createLocalStore(root);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('is rooted where it says, with file:// URIs', () => {
    expect(store.location).toBe(pathToFileURL(root).href);
    expect(store.uri('a b/c')).toBe(pathToFileURL(join(root, 'a b', 'c')).href);
  });

  it('leaves no visible object when the process is killed between temp write and rename', async () => {
    const { signal } = await runChild([
      'test/fixtures/crash-put.ts',
      root,
      'crash/new.json',
      '{"v":2}',
    ]);
    expect(signal).toBe('SIGKILL');
    // The crash left its fsync'd temp file on disk…
    const onDisk = await filesOnDisk(root);
    expect(onDisk.some((f) => f.startsWith(`crash/${TEMP_FILE_PREFIX}`))).toBe(true);
    // …which is no object: not listed, not readable.
    expect(await listAll(store, 'crash/')).toEqual([]);
    await expect(store.get('crash/new.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
    // A later write of the same key succeeds and is what readers see.
    await store.put('crash/new.json', Buffer.from('{"v":3}'));
    expect((await store.get('crash/new.json')).toString()).toBe('{"v":3}');
    expect((await listAll(store, 'crash/')).map((o) => o.key)).toEqual(['crash/new.json']);
  });

  it('keeps the previous version whole when an overwrite is killed mid-way', async () => {
    await store.put('crash/old.json', Buffer.from('{"v":1}'));
    const { signal } = await runChild([
      'test/fixtures/crash-put.ts',
      root,
      'crash/old.json',
      '{"v":2}',
    ]);
    expect(signal).toBe('SIGKILL');
    expect((await store.get('crash/old.json')).toString()).toBe('{"v":1}');
  });

  it('never shows a reader a partial object or a temp file while writers overwrite', async () => {
    const a = randomBytes(2 * 1024 * 1024);
    const b = randomBytes(3 * 1024 * 1024);
    await store.put('race/obj', a);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await store.put('race/obj', i % 2 === 0 ? b : a);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const body = await store.get('race/obj');
      expect(body.equals(a) || body.equals(b)).toBe(true);
      const listed = await listAll(store, 'race/');
      expect(listed.map((o) => o.key)).toEqual(['race/obj']);
      expect([a.length, b.length]).toContain(listed[0]!.size);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it('ignores stray temp files in listings and refuses keys that would look like one', async () => {
    await store.put('stray/kept', Buffer.from('x'));
    await writeFile(join(root, 'stray', `${TEMP_FILE_PREFIX}123-kept`), 'partial');
    expect((await listAll(store, 'stray/')).map((o) => o.key)).toEqual(['stray/kept']);
    await expect(store.put(`stray/${TEMP_FILE_PREFIX}x`, Buffer.from('x'))).rejects.toMatchObject({
      code: 'LS_STORE_INVALID_KEY',
    });
  });

  it('re-creates a folder removed behind its back', async () => {
    await store.put('gone/a', Buffer.from('1'));
    await rm(join(root, 'gone'), { recursive: true });
    await store.put('gone/b', Buffer.from('2'));
    expect((await store.get('gone/b')).toString()).toBe('2');
  });
});
