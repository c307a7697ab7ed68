import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGcsStore,
  createLocalStore,
  createStorageClient,
  ObjectNotFoundError,
  type ObjectStore,
} from '../src/index.js';

const emulatorHost = process.env.STORAGE_EMULATOR_HOST!;

async function drain(stream: Readable): Promise<{ body: Buffer; chunks: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { body: Buffer.concat(chunks), chunks: chunks.length };
}

interface Fixture {
  store: ObjectStore;
  cleanup: () => Promise<void>;
}

const stores: Array<[string, () => Promise<Fixture>]> = [
  [
    'local folder',
    async () => {
      const root = await mkdtemp(join(tmpdir(), 'lakestream-stream-'));
      return {
        store: createLocalStore(root),
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
  ],
  [
    'Google Cloud Storage (fake-gcs-server), under a prefix',
    async () => {
      const storage = createStorageClient({ emulatorHost });
      const bucket = `ls-test-${randomUUID()}`;
      await storage.bucket(bucket).create();
      return {
        store: createGcsStore({ bucket, prefix: 'lake', emulatorHost }),
        cleanup: async () => {
          await storage.bucket(bucket).deleteFiles({ force: true });
          await storage.bucket(bucket).delete();
        },
      };
    },
  ],
];

describe.each(stores)('getStream: %s', (_name, open) => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await open();
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('streams exactly the bytes written, in several chunks for a large object', async () => {
    const body = randomBytes(5 * 1024 * 1024 + 17);
    await fixture.store.put('big/object.bin', body);
    const read = await drain(await fixture.store.getStream('big/object.bin'));
    expect(read.body.equals(body)).toBe(true);
    expect(read.chunks).toBeGreaterThan(1);
  });

  it('streams an empty object as no bytes', async () => {
    await fixture.store.put('empty', Buffer.alloc(0));
    expect((await drain(await fixture.store.getStream('empty'))).body.length).toBe(0);
  });

  it('rejects with ObjectNotFoundError, before any byte, when there is no object', async () => {
    await expect(fixture.store.getStream('missing/object')).rejects.toBeInstanceOf(
      ObjectNotFoundError,
    );
  });
});
