import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { ObjectStore } from '@lakestream/object-store';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli.js';
import { gcsLoad, gcsLoadJobId } from '../src/gcs-load.js';
import { queryDuckdb, TestBed } from './support/test-bed.js';

const lines = (rows: object[]) => Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));

/** Pod inventories as other jobs drop them: plain and gzip, a later file adding a field. */
async function dropInventories(store: ObjectStore, folder: string): Promise<void> {
  await store.put(
    `${folder}/2024-05-01/pods-a.json`,
    lines([
      { pod: 'api-1', node: 'n1', cpu: 0.5, labels: { app: 'api' } },
      { pod: 'api-2', node: 'n2', cpu: 1, labels: { app: 'api' } },
    ]),
  );
  await store.put(
    `${folder}/2024-05-02/pods-b.ndjson.gz`,
    gzipSync(lines([{ pod: 'db-1', node: 'n1', cpu: 2.25, labels: {}, restarts: 3 }])),
  );
  await store.put(`${folder}/README.txt`, Buffer.from('not data'));
}

describe('gcs-load into DuckDB', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  const read = (path: string) =>
    queryDuckdb(
      path,
      'SELECT pod, node, cpu, CAST(to_json(labels) AS VARCHAR) AS labels, CAST(restarts AS INTEGER) AS restarts FROM inventory.pods ORDER BY pod',
    );

  it('loads a file:// prefix; running it twice gives the same table', async () => {
    const store = await bed.localStore();
    await dropInventories(store, 'drops/pods');
    const path = join(await bed.folder(), 'warehouse.duckdb');
    const prefix = `${store.uri('drops/pods')}/`;
    const options = {
      prefix,
      schema: 'inventory',
      table: 'pods',
      lake: await bed.localStore(),
      target: { kind: 'duckdb' as const, path },
    };
    expect(await gcsLoad(options)).toEqual({ rows: 3, objects: 2, table: 'inventory.pods' });
    const first = await read(path);
    expect(first).toEqual([
      { pod: 'api-1', node: 'n1', cpu: 0.5, labels: '{"app":"api"}', restarts: null },
      { pod: 'api-2', node: 'n2', cpu: 1, labels: '{"app":"api"}', restarts: null },
      // Detected columns: a map becomes a struct of every key seen, an absent key NULL.
      { pod: 'db-1', node: 'n1', cpu: 2.25, labels: '{"app":null}', restarts: 3 },
    ]);
    expect(await gcsLoad(options)).toEqual({ rows: 3, objects: 2, table: 'inventory.pods' });
    expect(await read(path)).toEqual(first);
  });

  it('loads a key prefix of the lake and a gs:// prefix on fake-gcs-server alike', async () => {
    const lake = await bed.localStore();
    await dropInventories(lake, 'inventories');
    const { store: gcs, bucket } = await bed.gcsStore();
    await dropInventories(gcs, 'inventories');
    const local = join(await bed.folder(), 'local.duckdb');
    const remote = join(await bed.folder(), 'remote.duckdb');
    const common = { schema: 'inventory', table: 'pods' };
    await gcsLoad({
      ...common,
      prefix: 'inventories/',
      lake,
      target: { kind: 'duckdb', path: local },
    });
    const result = await gcsLoad({
      ...common,
      prefix: `gs://${bucket}/lake/inventories/2024`,
      lake,
      storageEmulatorHost: process.env.STORAGE_EMULATOR_HOST!,
      target: { kind: 'duckdb', path: remote },
    });
    expect(result).toMatchObject({ rows: 3, objects: 2 });
    expect(await read(remote)).toEqual(await read(local));
  });

  it('names the object that is not JSON lines, and leaves the table as it was', async () => {
    const store = await bed.localStore();
    await dropInventories(store, 'drops');
    const path = join(await bed.folder(), 'warehouse.duckdb');
    const options = {
      prefix: 'drops/',
      schema: 'inventory',
      table: 'pods',
      lake: store,
      target: { kind: 'duckdb' as const, path },
    };
    await gcsLoad(options);
    await store.put('drops/2024-05-03/broken.jsonl', Buffer.from('{"pod": "x", \n'));
    await expect(gcsLoad(options)).rejects.toMatchObject({
      code: 'LS_LOADER_GCS_LOAD_INVALID',
      message: expect.stringContaining(
        `${store.uri('drops/2024-05-03/broken.jsonl')} is not JSON lines`,
      ),
    });
    expect(await read(path)).toHaveLength(3);
    await expect(
      gcsLoad({ ...options, prefix: pathToFileURL(await bed.folder()).href }),
    ).rejects.toMatchObject({ code: 'LS_LOADER_GCS_LOAD_INVALID' });
  });

  it("derives the BigQuery job id from the prefix, the table and the objects' names and generations", () => {
    const objects = [
      { key: 'a.json', size: 1, generation: '1' },
      { key: 'b.json', size: 1, generation: '7' },
    ];
    const id = gcsLoadJobId('gs://b/p', 'inventory', 'pods', objects);
    expect(gcsLoadJobId('gs://b/p', 'inventory', 'pods', objects)).toBe(id);
    expect(
      gcsLoadJobId('gs://b/p', 'inventory', 'pods', [
        objects[0]!,
        { ...objects[1]!, generation: '8' },
      ]),
    ).not.toBe(id);
    expect(gcsLoadJobId('gs://b/p', 'inventory', 'pods2', objects)).not.toBe(id);
  });
});

describe('gcs-load and documents-worker command lines', () => {
  it('reads them and explains what is wrong', () => {
    expect(parseCliArgs(['documents-worker'])).toEqual({ kind: 'documents-worker' });
    expect(
      parseCliArgs(['gcs-load', 'gs://b/pods/', 'inventory.pods', '--format', 'ndjson']),
    ).toEqual({
      kind: 'gcs-load',
      prefix: 'gs://b/pods/',
      schema: 'inventory',
      table: 'pods',
      format: 'ndjson',
    });
    expect(parseCliArgs(['gcs-load', 'gs://b/pods/'])).toMatchObject({ kind: 'error' });
    expect(parseCliArgs(['gcs-load', 'p/', 'pods'])).toMatchObject({ kind: 'error' });
    expect(parseCliArgs(['gcs-load', 'p/', 'a.b', '--format', 'csv'])).toMatchObject({
      message: "--format: only ndjson is supported, got 'csv'",
    });
    expect(parseCliArgs(['worker', '--format', 'ndjson'])).toMatchObject({ kind: 'error' });
  });
});
