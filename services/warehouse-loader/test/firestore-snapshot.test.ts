import { join } from 'node:path';
import type { FileColumn } from '@lakestream/lake';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentsDuckdbWriter } from '../src/documents-duckdb.js';
import { META_COLUMNS, writeSnapshotObject } from './support/documents-lake.js';
import { queryDuckdb, TestBed } from './support/test-bed.js';

const COLUMNS: FileColumn[] = [
  ...META_COLUMNS,
  { name: 'name', type: 'STRING' },
  { name: 'count', type: 'INT64' },
  { name: 'score', type: 'FLOAT64' },
  { name: 'active', type: 'BOOL' },
  { name: 'seenAt', type: 'TIMESTAMP' },
  { name: 'blob', type: 'BYTES' },
  { name: 'owner', type: 'STRING' },
  { name: 'address', type: 'JSON' },
];

const meta = (path: string, run: string, readTime: string) => ({
  _ls_path: path,
  _ls_export_run: run,
  _ls_read_time: readTime,
});

function spec(runId: string, readTime: string, rows: Record<string, unknown>[]) {
  return { project: 'demo-proj', collection: 'teams', runId, readTime, columns: COLUMNS, rows };
}

const T1 = '2024-05-01T00:00:00.000000Z';
const T2 = '2024-05-02T00:00:00.000000Z';

describe('Firestore snapshot into DuckDB', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function setup() {
    const store = await bed.localStore();
    const path = join(await bed.folder(), 'warehouse.duckdb');
    return { store, path };
  }

  it('loads every value type exactly: int64 beyond 2^53, NaN and infinities, bytes, timestamps, nested JSON, null and missing', async () => {
    const { store, path } = await setup();
    const writer = createDocumentsDuckdbWriter({ path, store });
    const manifest = await writeSnapshotObject(
      store,
      spec('run-1', T1, [
        {
          ...meta('teams/a', 'run-1', T1),
          name: 'Ä "quoted"',
          count: '9007199254740993',
          score: 'NaN',
          active: true,
          seenAt: '2023-11-14T22:13:20.123456Z',
          blob: Buffer.from([0, 255, 1]).toString('base64'),
          owner: 'users/u1',
          address: { city: 'Oslo', geo: { latitude: 59.9, longitude: 10.7 }, tags: [] },
        },
        { ...meta('teams/b', 'run-1', T1), score: 'Infinity', count: -3, address: null },
        { ...meta('teams/c', 'run-1', T1), score: '-Infinity' },
        { ...meta('teams/d', 'run-1', T1), score: 2, address: [1, 'x'] },
      ]),
    );
    expect(await writer.replaceSnapshot(manifest)).toEqual({
      kind: 'replaced',
      table: 'firestore_demo_proj.teams',
      rows: 4,
    });
    const rows = await queryDuckdb(
      path,
      `SELECT _ls_path, name, CAST("count" AS VARCHAR) AS c, CAST(score AS VARCHAR) AS score, active,
        strftime("seenAt", '%Y-%m-%dT%H:%M:%S.%fZ') AS seen, hex(blob) AS blob, owner,
        CAST(address AS VARCHAR) AS address, typeof("seenAt") AS ts_type, typeof(address) AS json_type,
        typeof(_ls_read_time) AS read_type
       FROM firestore_demo_proj.teams ORDER BY _ls_path`,
    );
    expect(rows[0]).toEqual({
      _ls_path: 'teams/a',
      name: 'Ä "quoted"',
      c: '9007199254740993',
      score: 'nan',
      active: true,
      seen: '2023-11-14T22:13:20.123456Z',
      blob: '00FF01',
      owner: 'users/u1',
      address: '{"city":"Oslo","geo":{"latitude":59.9,"longitude":10.7},"tags":[]}',
      ts_type: 'TIMESTAMP WITH TIME ZONE',
      json_type: 'JSON',
      read_type: 'TIMESTAMP WITH TIME ZONE',
    });
    expect(rows.map((r) => [r.score, r.c, r.address])).toEqual([
      ['nan', '9007199254740993', rows[0]!.address],
      ['inf', '-3', null],
      ['-inf', null, null],
      ['2.0', null, '[1,"x"]'],
    ]);
  });

  it('replaces the snapshot with a newer run; a re-announced run or an older read time changes nothing', async () => {
    const { store, path } = await setup();
    const writer = createDocumentsDuckdbWriter({ path, store });
    const run1 = await writeSnapshotObject(
      store,
      spec('run-1', T1, [meta('teams/a', 'run-1', T1), meta('teams/b', 'run-1', T1)]),
    );
    const run2 = await writeSnapshotObject(
      store,
      spec('run-2', T2, [{ ...meta('teams/a', 'run-2', T2), name: 'renamed' }]),
    );
    const read = () =>
      queryDuckdb(
        path,
        `SELECT _ls_path, _ls_export_run, name FROM firestore_demo_proj.teams ORDER BY _ls_path`,
      );
    const book = () =>
      queryDuckdb(
        path,
        'SELECT run_id, CAST(loaded_at AS VARCHAR) AS at FROM firestore_demo_proj._ls_snapshots ORDER BY run_id',
      );
    await writer.replaceSnapshot(run1);
    expect(await read()).toHaveLength(2);
    expect(await writer.replaceSnapshot(run2)).toMatchObject({ kind: 'replaced', rows: 1 });
    const after = await read();
    const recorded = await book();
    expect(after).toEqual([{ _ls_path: 'teams/a', _ls_export_run: 'run-2', name: 'renamed' }]);
    expect(await writer.replaceSnapshot(run2)).toMatchObject({ kind: 'recorded' });
    expect(await writer.replaceSnapshot(run1)).toMatchObject({ kind: 'recorded' });
    const run0 = await writeSnapshotObject(
      store,
      spec('run-0', '2024-04-30T00:00:00.000000Z', [meta('teams/z', 'run-0', T1)]),
    );
    expect(await writer.replaceSnapshot(run0)).toEqual({
      kind: 'superseded',
      table: 'firestore_demo_proj.teams',
      loadedReadTime: T2,
    });
    expect(await read()).toEqual(after);
    expect(await book()).toEqual(recorded);
  });

  it('is atomic: a reader during the replace sees the old snapshot, after it the new one; a failed replace leaves the old one', async () => {
    const { store, path } = await setup();
    const seen: unknown[] = [];
    const writer = createDocumentsDuckdbWriter({
      path,
      store,
      beforeSnapshotCommit: async (instance) => {
        // Another connection of the file, as the dashboard's would be, mid-replace.
        const reader = await instance.connect();
        try {
          const result = await reader.runAndReadAll(
            'SELECT _ls_export_run AS run, count(*) AS n FROM firestore_demo_proj.teams GROUP BY ALL',
          );
          seen.push(...result.getRowObjectsJson());
        } catch (err) {
          seen.push((err as Error).message.split('\n')[0]);
        } finally {
          reader.closeSync();
        }
      },
    });
    const rows = (run: string, readTime: string, n: number) =>
      Array.from({ length: n }, (_, i) => meta(`teams/${i}`, run, readTime));
    await writer.replaceSnapshot(
      await writeSnapshotObject(store, spec('run-1', T1, rows('run-1', T1, 3))),
    );
    // The first snapshot's table does not exist for others until it commits.
    expect(seen).toEqual([expect.stringContaining('does not exist')]);
    seen.length = 0;
    await writer.replaceSnapshot(
      await writeSnapshotObject(store, spec('run-2', T2, rows('run-2', T2, 5))),
    );
    expect(seen).toEqual([{ run: 'run-1', n: '3' }]);
    // A value its column cannot hold, in the last row: nothing of run 3 is visible.
    const bad = [
      ...rows('run-3', '2024-05-03T00:00:00Z', 4),
      { ...meta('teams/x', 'run-3', T2), count: 'many' },
    ];
    const failing = await writeSnapshotObject(store, spec('run-3', '2024-05-03T00:00:00Z', bad));
    await expect(writer.replaceSnapshot(failing)).rejects.toMatchObject({
      code: 'LS_LOADER_DOCUMENTS_INVALID',
    });
    expect(
      await queryDuckdb(
        path,
        'SELECT _ls_export_run AS run, count(*) AS n FROM firestore_demo_proj.teams GROUP BY ALL',
      ),
    ).toEqual([{ run: 'run-2', n: '5' }]);
  });

  it('an empty collection gives the table with its columns and no rows', async () => {
    const { store, path } = await setup();
    const writer = createDocumentsDuckdbWriter({ path, store });
    await writer.replaceSnapshot(await writeSnapshotObject(store, spec('run-1', T1, [])));
    const columns = await queryDuckdb(
      path,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'firestore_demo_proj' AND table_name = 'teams' ORDER BY ordinal_position",
    );
    expect(columns.map((c) => c.data_type)).toEqual([
      'VARCHAR',
      'VARCHAR',
      'TIMESTAMP WITH TIME ZONE',
      'VARCHAR',
      'BIGINT',
      'DOUBLE',
      'BOOLEAN',
      'TIMESTAMP WITH TIME ZONE',
      'BLOB',
      'VARCHAR',
      'JSON',
    ]);
  });
});
