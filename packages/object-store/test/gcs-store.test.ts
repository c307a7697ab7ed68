import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  classifyGcsError,
  createGcsStore,
  createStorageClient,
  listAll,
  ObjectStoreError,
} from '../src/index.js';
import { mapLimit, objectStoreContract } from './contract.js';

const emulatorHost = process.env.STORAGE_EMULATOR_HOST!;

/** A fresh bucket for this file; the cleanup deletes every object in it, then the bucket. */
async function freshBucket(): Promise<{ bucket: string; cleanup: () => Promise<void> }> {
  const storage = createStorageClient({ emulatorHost });
  const bucket = `ls-test-${randomUUID()}`;
  await storage.bucket(bucket).create();
  return {
    bucket,
    cleanup: async () => {
      await storage.bucket(bucket).deleteFiles({ force: true });
      await storage.bucket(bucket).delete();
    },
  };
}

objectStoreContract('Google Cloud Storage (fake-gcs-server), bucket root', async () => {
  const { bucket, cleanup } = await freshBucket();
  return { store: createGcsStore({ bucket, emulatorHost }), cleanup };
});

objectStoreContract(
  'Google Cloud Storage (fake-gcs-server), under a prefix',
  async () => {
    const { bucket, cleanup } = await freshBucket();
    return { store: createGcsStore({ bucket, prefix: 'lake/', emulatorHost }), cleanup };
  },
  { manyObjects: false },
);

describe('Google Cloud Storage specifics', () => {
  it('keeps objects under its prefix, and lists small pages through to the end', async () => {
    const { bucket, cleanup } = await freshBucket();
    try {
      const store = createGcsStore({ bucket, prefix: 'lake', emulatorHost, pageSize: 7 });
      const outside = createGcsStore({ bucket, emulatorHost });
      expect(store.location).toBe(`gs://${bucket}/lake`);
      expect(store.uri('bronze/a.gz')).toBe(`gs://${bucket}/lake/bronze/a.gz`);
      const keys = Array.from({ length: 50 }, (_, i) => `bronze/${String(i).padStart(3, '0')}`);
      await mapLimit(keys, 8, (key) => store.put(key, Buffer.from(key)));
      await outside.put('lakeside/not-mine', Buffer.from('x'));
      expect((await listAll(store)).map((o) => o.key)).toEqual(keys);
      expect((await listAll(outside, 'lake/')).map((o) => o.key)).toEqual(
        keys.map((k) => `lake/${k}`),
      );
    } finally {
      await cleanup();
    }
  });

  it('leaves STORAGE_EMULATOR_HOST as it found it', () => {
    const before = process.env.STORAGE_EMULATOR_HOST;
    createStorageClient({ emulatorHost: '127.0.0.1:1' });
    createStorageClient({});
    expect(process.env.STORAGE_EMULATOR_HOST).toBe(before);
  });

  it('accepts the emulator host in every usual spelling', async () => {
    const { bucket, cleanup } = await freshBucket();
    try {
      const origin = new URL(emulatorHost).origin;
      for (const host of [origin, new URL(origin).host, `${origin}/storage/v1`]) {
        const store = createGcsStore({ bucket, emulatorHost: host });
        await store.put(`spelling/${encodeURIComponent(host)}`, Buffer.from(host));
        expect((await store.get(`spelling/${encodeURIComponent(host)}`)).toString()).toBe(host);
      }
    } finally {
      await cleanup();
    }
  });

  it('retries an unreachable server, then fails with LS_STORE_UNAVAILABLE', async () => {
    const retries: number[] = [];
    const store = createGcsStore({
      bucket: 'any-bucket',
      emulatorHost: 'http://127.0.0.1:9',
      retry: { retries: 2, baseMs: 1, onRetry: ({ attempt }) => retries.push(attempt) },
    });
    const err = await store.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect(err).toMatchObject({ code: 'LS_STORE_UNAVAILABLE', retryable: true });
    expect(retries).toEqual([1, 2]);
  });

  it('does not retry a request the server refuses (missing bucket)', async () => {
    const retries: number[] = [];
    const store = createGcsStore({
      bucket: `ls-missing-${randomUUID()}`,
      emulatorHost,
      retry: { retries: 3, baseMs: 1, onRetry: ({ attempt }) => retries.push(attempt) },
    });
    await expect(store.put('k', Buffer.from('x'))).rejects.toMatchObject({
      code: 'LS_STORE_REQUEST_FAILED',
      retryable: false,
    });
    await expect(store.healthcheck()).rejects.toMatchObject({ code: 'LS_STORE_REQUEST_FAILED' });
    expect(retries).toEqual([]);
  });

  it('classifies failures: network, 408, 429 and 5xx retryable; other 4xx not', () => {
    const cases: [unknown, string, boolean][] = [
      [Object.assign(new Error('x'), { code: 503 }), 'LS_STORE_UNAVAILABLE', true],
      [Object.assign(new Error('x'), { code: 500 }), 'LS_STORE_UNAVAILABLE', true],
      [Object.assign(new Error('x'), { code: 429 }), 'LS_STORE_UNAVAILABLE', true],
      [Object.assign(new Error('x'), { code: 408 }), 'LS_STORE_UNAVAILABLE', true],
      [Object.assign(new Error('x'), { code: 403 }), 'LS_STORE_REQUEST_FAILED', false],
      [Object.assign(new Error('x'), { code: 400 }), 'LS_STORE_REQUEST_FAILED', false],
      [Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'LS_STORE_UNAVAILABLE', true],
      [
        Object.assign(new Error('x'), { name: 'FetchError', type: 'system' }),
        'LS_STORE_UNAVAILABLE',
        true,
      ],
      [new TypeError('a bug'), 'LS_STORE_REQUEST_FAILED', false],
    ];
    for (const [err, code, retryable] of cases) {
      expect(classifyGcsError(err, 'get', 'k')).toMatchObject({ code, retryable });
    }
  });
});
