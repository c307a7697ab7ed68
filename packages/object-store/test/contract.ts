import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GenerationMismatchError,
  isGenerationMismatch,
  listAll,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
  ObjectStoreError,
} from '../src/index.js';

/** A store under test and how to remove what the tests left in it. */
export interface StoreFixture {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * The behaviour every ObjectStore promises, run unchanged against each implementation. Each test
 * works under its own random key prefix, so tests never see each other's objects.
 */
export function objectStoreContract(
  name: string,
  open: () => Promise<StoreFixture>,
  options: { manyObjects?: boolean } = {},
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: ObjectStore;
    beforeAll(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });
    const scope = () => `t-${randomUUID()}`;

    it('reads back exactly the bytes written, including empty and binary bodies', async () => {
      const p = scope();
      const bodies = [
        Buffer.alloc(0),
        randomBytes(1),
        randomBytes(70_000),
        Buffer.from('México\n'),
      ];
      for (const [i, body] of bodies.entries()) await store.put(`${p}/o${i}`, body);
      for (const [i, body] of bodies.entries()) {
        expect((await store.get(`${p}/o${i}`)).equals(body)).toBe(true);
      }
    });

    it('round-trips a multi-megabyte object', async () => {
      const key = `${scope()}/big.bin`;
      const body = randomBytes(8 * 1024 * 1024);
      await store.put(key, body, { contentType: 'application/octet-stream' });
      expect((await store.get(key)).equals(body)).toBe(true);
    });

    it('replaces the object on a second put', async () => {
      const key = `${scope()}/k`;
      await store.put(key, Buffer.from('first'));
      await store.put(key, Buffer.from('second, longer'));
      expect((await store.get(key)).toString()).toBe('second, longer');
      expect((await listAll(store, key)).map((o) => o.size)).toEqual([14]);
    });

    it('rejects get of a missing key with ObjectNotFoundError (LS_STORE_NOT_FOUND, not retryable)', async () => {
      const key = `${scope()}/missing.json`;
      const err = await store.get(key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectNotFoundError);
      expect(err).toMatchObject({ code: 'LS_STORE_NOT_FOUND', retryable: false, key });
    });

    it('treats a prefix that holds objects as no object', async () => {
      const p = scope();
      await store.put(`${p}/dir/file`, Buffer.from('x'));
      await expect(store.get(`${p}/dir`)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await store.delete(`${p}/dir`);
      expect((await store.get(`${p}/dir/file`)).toString()).toBe('x');
    });

    it('deletes idempotently', async () => {
      const key = `${scope()}/gone`;
      await store.put(key, Buffer.from('x'));
      await store.delete(key);
      await store.delete(key);
      await store.delete(`${scope()}/never-existed`);
      await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await listAll(store, key)).toEqual([]);
    });

    it('deletes only the version named by ifGenerationMatch', async () => {
      const key = `${scope()}/versioned`;
      await store.put(key, Buffer.from('first'));
      const [first] = await listAll(store, key);
      expect(first?.generation).toEqual(expect.any(String));
      await store.put(key, Buffer.from('second'));
      const [second] = await listAll(store, key);
      expect(second?.generation).not.toBe(first!.generation);
      // A stale version: refused, and the object under the key stays.
      const err = await store
        .delete(key, { ifGenerationMatch: first!.generation! })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GenerationMismatchError);
      expect(isGenerationMismatch(err)).toBe(true);
      expect(err).toMatchObject({ code: 'LS_STORE_GENERATION_MISMATCH', retryable: false, key });
      expect((await store.get(key)).toString()).toBe('second');
      await store.delete(key, { ifGenerationMatch: second!.generation! });
      await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
      // Nothing under the key is not the named version either.
      await expect(
        store.delete(key, { ifGenerationMatch: second!.generation! }),
      ).rejects.toBeInstanceOf(GenerationMismatchError);
    });

    it('lists by string prefix in UTF-8 byte order, with sizes and times', async () => {
      const p = scope();
      const keys = ['b/2', 'a/x', 'ab', 'a.b', 'a-b', 'a+b', 'a=b', 'a/b/c', 'z', 'é', 'a b'];
      const started = Date.now() - 60_000;
      for (const [i, key] of keys.entries()) await store.put(`${p}/${key}`, Buffer.alloc(i));
      const all = await listAll(store, `${p}/`);
      const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(all.map((o) => o.key)).toEqual(expected.map((k) => `${p}/${k}`));
      for (const info of all) {
        expect(info.size).toBe(keys.indexOf(info.key.slice(p.length + 1)));
        expect(info.updated).toBeInstanceOf(Date);
        expect(info.updated!.getTime()).toBeGreaterThan(started);
      }
      // A prefix need not end at a folder boundary.
      expect((await listAll(store, `${p}/a`)).map((o) => o.key.slice(p.length + 1))).toEqual([
        'a b',
        'a+b',
        'a-b',
        'a.b',
        'a/b/c',
        'a/x',
        'a=b',
        'ab',
      ]);
      expect((await listAll(store, `${p}/a/`)).map((o) => o.key.slice(p.length + 1))).toEqual([
        'a/b/c',
        'a/x',
      ]);
      expect(await listAll(store, `${p}/nothing-here/`)).toEqual([]);
      expect(await listAll(store, `${scope()}/`)).toEqual([]);
    });

    it('creates only when absent with ifNotExists, atomically among racing writers', async () => {
      const key = `${scope()}/once`;
      await store.put(key, Buffer.from('first'), { ifNotExists: true });
      const err = await store
        .put(key, Buffer.from('second'), { ifNotExists: true })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectExistsError);
      expect(err).toMatchObject({ code: 'LS_STORE_ALREADY_EXISTS', retryable: false, key });
      expect((await store.get(key)).toString()).toBe('first');
      await store.delete(key);
      await store.put(key, Buffer.from('third'), { ifNotExists: true });
      expect((await store.get(key)).toString()).toBe('third');

      const raced = `${scope()}/raced`;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.put(raced, Buffer.from(`writer ${i}`), { ifNotExists: true }),
        ),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ObjectExistsError);
      }
      expect((await store.get(raced)).toString()).toBe(`writer ${winners[0]}`);
    });

    it('refuses keys that are not portable, without retrying', async () => {
      const bad = [
        '',
        '/abs',
        'trailing/',
        'a//b',
        '../up',
        'a/./b',
        'a/../b',
        'nul\u0000',
        'back\\slash',
        '.lakestream-tmp-x',
        'x'.repeat(1025),
      ];
      for (const key of bad) {
        for (const call of [
          () => store.put(key, Buffer.from('x')),
          () => store.get(key),
          () => store.delete(key),
        ]) {
          const err = await call().catch((e: unknown) => e);
          expect(err, JSON.stringify(key)).toBeInstanceOf(ObjectStoreError);
          expect(err).toMatchObject({ code: 'LS_STORE_INVALID_KEY', retryable: false });
        }
      }
    });

    it('names each object by a URI under the store location', async () => {
      const key = `${scope()}/dt=2018-01-31/part+0.jsonl.gz`;
      await store.put(key, Buffer.from('x'));
      expect(store.uri(key).startsWith(`${store.location}/`)).toBe(true);
      expect(decodeURIComponent(store.uri(key))).toBe(
        `${decodeURIComponent(store.location)}/${key}`,
      );
    });

    // fake-gcs-server takes ~10 ms per write whatever the concurrency: one such run per store.
    it.runIf(options.manyObjects ?? true)(
      'lists every one of more than 1000 objects, in order, page after page',
      async () => {
        const p = scope();
        const keys = Array.from(
          { length: 1_105 },
          (_, i) => `${p}/many/${String(i).padStart(5, '0')}`,
        );
        await mapLimit(keys, 16, (key) => store.put(key, Buffer.from(key)));
        await store.put(`${p}/other`, Buffer.from('not under many/'));
        const listed = await listAll(store, `${p}/many/`);
        expect(listed.map((o) => o.key)).toEqual(keys);
        expect(listed.every((o) => o.size === Buffer.byteLength(o.key))).toBe(true);
        expect((await listAll(store, `${p}/many/001`)).map((o) => o.key)).toEqual(
          keys.slice(100, 200),
        );
      },
      120_000,
    );

    it('passes its health check', async () => {
      await expect(store.healthcheck()).resolves.toBeUndefined();
    });
  });
}
