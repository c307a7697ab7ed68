import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeoPoint, Timestamp } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparable, readWithOurs, readWithPython } from './support/export-cross-check.js';
import {
  client,
  emulatorExport,
  emulatorImport,
  freshProject,
  readAllWithClient,
} from './support/export-emulator.js';
import { mixedDocs } from './support/export-fixtures.js';
import { type WriteExportOptions, writeExport } from './support/export-writer.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-managed-export-emu-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('managed-export reader against the official Firestore emulator', () => {
  const layouts: Array<[string, WriteExportOptions]> = [
    ['all_kinds, dev~ app, unindexed', { layout: 'all_kinds', entity: { app: 'dev~ls-test' } }],
    [
      'kind_ folders, two outputs each, s~ app, indexed, numeric ids',
      {
        layout: 'kinds',
        outputs: 2,
        entity: { app: 's~ls-test', indexed: true, numericIds: true },
      },
    ],
  ];

  it.each(layouts)(
    'our fixture (%s), imported by the emulator, reads the same through the client',
    async (name, options) => {
      const project = freshProject();
      const written = await writeExport(root, name.replace(/\W+/g, '-'), mixedDocs(), options);
      const metadata = (await readdir(written.dir)).find((f) =>
        f.endsWith('.overall_export_metadata'),
      )!;
      await emulatorImport(project, join(written.dir, metadata));
      const db = client(project);
      try {
        const viaEmulator = await readAllWithClient(db);
        const ours = await readWithOurs(written.dir);
        expect(ours.bad).toEqual([]);
        expect(viaEmulator).toHaveLength(ours.docs.length);
        expect(comparable(ours.docs)).toEqual(comparable(viaEmulator));
      } finally {
        await db.terminate();
      }
    },
  );

  it("reads the emulator's own :export (fragmented records included) as the client and the Python reader do", async () => {
    const project = freshProject();
    const db = client(project);
    try {
      await db.doc('types/all').set({
        nothing: null,
        yes: true,
        int: 42n,
        big: 2n ** 62n,
        half: 1.5,
        nan: Number.NaN,
        inf: Number.NEGATIVE_INFINITY,
        text: 'México 🚀',
        empty: '',
        when: new Timestamp(1_700_000_000, 123_456_000),
        bytes: Buffer.from([0, 1, 254, 255]),
        where: new GeoPoint(48.85, 2.35),
        ref: db.doc('teams/t1/reports/r1'),
        map: { a: 'x', nested: { when: new Timestamp(0, 1000), list: [1n, 'two'] }, empty: {} },
        list: [1n, 2.5, 'three', null, { k: 'v' }],
        emptyList: [],
      });
      await db.doc('teams/t1/reports/r1/qualityReports/1700000000').set({ score: 0.5 });
      await db.doc('big/one').set({ s: 'q'.repeat(100_000) });
      for (let i = 0; i < 30; i++) await db.doc(`pods/p${i}`).set({ i: BigInt(i) });
      await emulatorExport(project, root, `emu-${project}`);
      const dir = join(root, `emu-${project}`);
      const ours = await readWithOurs(dir);
      expect(ours.bad).toEqual([]);
      expect(ours.facts?.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const viaClient = await readAllWithClient(db);
      expect(ours.docs).toHaveLength(33);
      expect(comparable(ours.docs)).toEqual(comparable(viaClient));
      const python = await readWithPython(ours.facts!.files);
      expect(python.invalid).toBe(0);
      expect(comparable(python.docs)).toEqual(comparable(viaClient));
    } finally {
      await db.terminate();
    }
  });
});
