/**
 * Every Firestore value type written with @google-cloud/firestore on the real emulator comes out
 * of the export object exactly as packages/lake/src/firestore.ts says, the manifest parses and
 * types each column by the shared rule, and a reserved `_ls_` field fails its collection clearly.
 */
import { GeoPoint, Timestamp } from '@google-cloud/firestore';
import { BronzeFileManifestSchema, parseBronzeAnnouncement } from '@lakestream/lake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../src/export/export-run.js';
import { ExportStack } from './export-stack.js';

const stack = new ExportStack();
const { id: project, db } = stack.project('values');
const rows = (key: string) => stack.rows(key);

beforeAll(() => stack.start(1));
afterAll(() => stack.stop());

describe('export: values', () => {
  it('writes every value type as the contract says and types each column', async () => {
    await db.doc('things/a').set({
      s: 'text',
      empty: '',
      i: 42n,
      big: 2n ** 62n,
      neg: -(2n ** 60n),
      d: 1.5,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      t: new Timestamp(1_700_000_000, 123_456_789),
      b: true,
      nul: null,
      bytes: Buffer.from([0, 1, 255]),
      geo: new GeoPoint(48.8, 2.35),
      ref: db.doc('teams/t1'),
      map: { a: 1n, nested: { x: [1n, 'two', { y: null }] } },
      arr: [1n, 2.5, 'a'],
      emptyArr: [],
      emptyMap: {},
      mix: 1n,
      m2: 'a',
    });
    await db.doc('things/b').set({ mix: 2.5, m2: 7n, nul: null });

    const run = await runExport(stack.context(project, ['things']));
    expect(run.tables.map((t) => [t.table, t.status, t.documents])).toEqual([
      ['things', 'exported', 2],
    ]);
    const key = run.tables[0]!.key!;
    expect(key).toBe(
      `bronze/firestore/${project}/things/dt=${run.readTime.slice(0, 10)}/${run.runId}.jsonl.gz`,
    );
    const [a, b] = await rows(key);
    const meta = { _ls_export_run: run.runId, _ls_read_time: run.readTime };
    expect(Object.keys(a!).slice(0, 3)).toEqual(['_ls_path', '_ls_export_run', '_ls_read_time']);
    expect(a).toEqual({
      _ls_path: 'things/a',
      ...meta,
      s: 'text',
      empty: '',
      i: 42,
      big: '4611686018427387904',
      neg: '-1152921504606846976',
      d: 1.5,
      nan: 'NaN',
      inf: 'Infinity',
      ninf: '-Infinity',
      t: '2023-11-14T22:13:20.123456Z',
      b: true,
      nul: null,
      bytes: 'AAH/',
      geo: { latitude: 48.8, longitude: 2.35 },
      ref: 'teams/t1',
      map: { a: 1, nested: { x: [1, 'two', { y: null }] } },
      arr: [1, 2.5, 'a'],
      emptyArr: [],
      emptyMap: {},
      mix: 1,
      m2: 'a',
    });
    // Missing stays missing; null stays null.
    expect(b).toEqual({ _ls_path: 'things/b', ...meta, mix: 2.5, m2: 7, nul: null });
    expect(run.readTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const [offsets] = await stack.admin.fetchTopicOffsets(stack.topic);
    expect(offsets?.high).toBe('1');
    const [message] = (await stack.messages()) as [{ key: string; value: string }];
    expect(message.key).toBe(`file+firestore+${project}+things`);
    const announcement = parseBronzeAnnouncement(message.value);
    expect(announcement.kind).toBe('file');
    const manifest = BronzeFileManifestSchema.parse(JSON.parse(message.value));
    expect(manifest).toMatchObject({
      kind: 'file',
      key,
      uri: stack.store.uri(key),
      record_count: 2,
      format: 'jsonl.gz',
      source: {
        dataset: 'firestore',
        project,
        collection: 'things',
        run_id: run.runId,
        read_time: run.readTime,
        target_schema: `firestore_${project.replaceAll('-', '_')}`,
        target_table: 'things',
      },
    });
    expect(manifest.bytes).toBe((await stack.store.get(key)).length);
    expect(manifest.source.columns).toEqual([
      { name: '_ls_path', type: 'STRING' },
      { name: '_ls_export_run', type: 'STRING' },
      { name: '_ls_read_time', type: 'TIMESTAMP' },
      { name: 'arr', type: 'JSON' },
      { name: 'b', type: 'BOOL' },
      { name: 'big', type: 'INT64' },
      { name: 'bytes', type: 'BYTES' },
      { name: 'd', type: 'FLOAT64' },
      { name: 'empty', type: 'STRING' },
      { name: 'emptyArr', type: 'JSON' },
      { name: 'emptyMap', type: 'JSON' },
      { name: 'geo', type: 'JSON' },
      { name: 'i', type: 'INT64' },
      { name: 'inf', type: 'FLOAT64' },
      { name: 'm2', type: 'JSON' },
      { name: 'map', type: 'JSON' },
      { name: 'mix', type: 'FLOAT64' },
      { name: 'nan', type: 'FLOAT64' },
      { name: 'neg', type: 'INT64' },
      { name: 'ninf', type: 'FLOAT64' },
      { name: 'nul', type: 'JSON' },
      { name: 'ref', type: 'STRING' },
      { name: 's', type: 'STRING' },
      { name: 't', type: 'TIMESTAMP' },
    ]);
  });

  it('refuses a document field named _ls_… and goes on with the other collections', async () => {
    await db.doc('bad/x').set({ _ls_path: 'mine' });
    await db.doc('good/y').set({ v: 1n });
    const run = await runExport(stack.context(project, ['bad', 'good']));
    expect(run.tables.map((t) => [t.table, t.status])).toEqual([
      ['bad', 'failed'],
      ['good', 'exported'],
    ]);
    expect(run.tables[0]!.error?.code).toBe('LS_FIRESTORE_EXPORT_RESERVED_FIELD');
    expect(run.tables[0]!.error?.message).toContain("document bad/x has a field '_ls_path'");
  });

  it('refuses two fields whose names differ only in case (one warehouse column), in one document or two', async () => {
    await db.doc('clash1/a').set({ Case: 1n, case: 2n });
    await db.doc('clash2/a').set({ Name: 'x' });
    await db.doc('clash2/b').set({ name: 'y' });
    await db.doc('upper/a').set({ _LS_PATH: 'mine' });
    const run = await runExport(stack.context(project, ['clash1', 'clash2', 'upper']));
    expect(run.tables.map((t) => [t.table, t.status, t.error?.code])).toEqual([
      ['clash1', 'failed', 'LS_FIRESTORE_EXPORT_COLUMN_CLASH'],
      ['clash2', 'failed', 'LS_FIRESTORE_EXPORT_COLUMN_CLASH'],
      ['upper', 'failed', 'LS_FIRESTORE_EXPORT_RESERVED_FIELD'],
    ]);
    expect(run.tables[1]!.error?.message).toContain(
      "document clash2/b has a field 'name' and the collection a field 'Name'",
    );
  });
});
