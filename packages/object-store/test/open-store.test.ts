import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OBJECT_STORE_ERROR_CODES, openObjectStore, parseStoreUrl } from '../src/index.js';

describe('parseStoreUrl', () => {
  it('reads gs:// URLs as a bucket and a prefix', () => {
    expect(parseStoreUrl('gs://my-bucket')).toEqual({
      kind: 'gcs',
      bucket: 'my-bucket',
      prefix: '',
    });
    expect(parseStoreUrl('gs://my-bucket/')).toEqual({
      kind: 'gcs',
      bucket: 'my-bucket',
      prefix: '',
    });
    expect(parseStoreUrl('gs://my-bucket/lake/raw/')).toEqual({
      kind: 'gcs',
      bucket: 'my-bucket',
      prefix: 'lake/raw',
    });
  });

  it('reads file:// URLs and plain paths as a local folder', () => {
    expect(parseStoreUrl('file:///var/lake')).toEqual({ kind: 'local', root: '/var/lake' });
    expect(parseStoreUrl('file:///var/my%20lake/')).toEqual({
      kind: 'local',
      root: '/var/my lake',
    });
    expect(parseStoreUrl('/var/lake')).toEqual({ kind: 'local', root: '/var/lake' });
    expect(parseStoreUrl('.lakestream/lake', '/home/me/repo')).toEqual({
      kind: 'local',
      root: '/home/me/repo/.lakestream/lake',
    });
  });

  it('rejects other schemes, bad buckets and relative file URLs with LS_STORE_INVALID_URL', () => {
    for (const url of [
      's3://bucket/x',
      'gs://',
      'gs://UPPER',
      'gs://a',
      'gs://b/x//y',
      'gs://b/../x',
      'file://host/x',
      '',
      'http://x/y',
    ]) {
      expect(() => parseStoreUrl(url), url).toThrow(
        expect.objectContaining({ code: 'LS_STORE_INVALID_URL' }),
      );
    }
  });

  it('has a closed list of error codes, all LS_STORE_', () => {
    expect(OBJECT_STORE_ERROR_CODES.every((c) => c.startsWith('LS_STORE_'))).toBe(true);
  });
});

describe('openObjectStore', () => {
  it('opens a local folder from a path or a file URL', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lakestream-open-'));
    try {
      const byPath = openObjectStore(root);
      const byUrl = openObjectStore(pathToFileURL(root).href);
      expect(byPath.location).toBe(pathToFileURL(root).href);
      await byPath.put('a/b', Buffer.from('x'));
      expect((await byUrl.get('a/b')).toString()).toBe('x');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('opens GCS with the emulator from the environment', () => {
    const store = openObjectStore('gs://some-bucket/lake', {
      env: { STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443' },
    });
    expect(store.location).toBe('gs://some-bucket/lake');
    expect(store.uri('x/y')).toBe('gs://some-bucket/lake/x/y');
  });
});
