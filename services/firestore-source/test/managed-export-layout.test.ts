import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparable, expectedDocs, readWithOurs } from './support/export-cross-check.js';
import { smallDocs } from './support/export-fixtures.js';
import { kindMetadata, writeExport } from './support/export-writer.js';

const APP = { app: 's~ls-test' };
const KIND_META = 'all_namespaces/all_kinds/all_namespaces_all_kinds.export_metadata';
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-managed-export-layout-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('managed-export layout: metadata and listing together', () => {
  const docs = smallDocs('c', 30);

  it('an empty export_metadata: warns naming it, reads every output by listing', async () => {
    const written = await writeExport(root, 'empty-kind', docs, {
      layout: 'all_kinds',
      outputs: 2,
      entity: APP,
    });
    await writeFile(join(written.dir, KIND_META), Buffer.alloc(0));
    const ours = await readWithOurs(written.dir);
    expect(comparable(ours.docs)).toEqual(comparable(expectedDocs(docs)));
    expect(ours.bad).toEqual([]);
    expect(ours.warnings).toHaveLength(1);
    expect(ours.warnings[0]).toMatchObject({
      file: join(written.dir, KIND_META),
      code: 'LS_MANAGED_EXPORT_METADATA_INVALID',
    });
    expect(ours.warnings[0]!.message).toContain('empty');
    // The facts the metadata held are simply unknown.
    expect(ours.facts).toMatchObject({ name: null, startTime: null, endTime: null });
  });

  it('an empty or unparseable overall_export_metadata: a warning, not an error', async () => {
    for (const [name, body] of [
      ['empty-overall', Buffer.alloc(0)],
      ['garbage-overall', Buffer.from('not a log at all')],
    ] as const) {
      const written = await writeExport(root, name, docs, { layout: 'kinds', entity: APP });
      const overall = join(written.dir, `${name}.overall_export_metadata`);
      await writeFile(overall, body);
      const ours = await readWithOurs(written.dir);
      expect(comparable(ours.docs), name).toEqual(comparable(expectedDocs(docs)));
      expect(ours.warnings.map((w) => w.file)).toEqual([overall]);
      // The kind metadata beside the outputs still gives the export's facts.
      expect(ours.facts?.name).toBe(name);
      expect(ours.facts?.kinds).toEqual(['c']);
    }
  });

  it('an export_metadata that does not parse: warns naming it, reads by listing', async () => {
    const written = await writeExport(root, 'bad-kind', docs, { layout: 'all_kinds', entity: APP });
    await writeFile(join(written.dir, KIND_META), Buffer.from([0x0a, 0xff, 0xff, 0x01]));
    const ours = await readWithOurs(written.dir);
    expect(comparable(ours.docs)).toEqual(comparable(expectedDocs(docs)));
    expect(ours.warnings.map((w) => w.file)).toEqual([join(written.dir, KIND_META)]);
  });

  it('metadata that forgets an output file: the file is read too, with a warning', async () => {
    const written = await writeExport(root, 'forgets', docs, {
      layout: 'all_kinds',
      outputs: 3,
      entity: APP,
    });
    await writeFile(
      join(written.dir, KIND_META),
      kindMetadata('forgets', 1n, 2n, ['output-0', 'output-2']),
    );
    const ours = await readWithOurs(written.dir);
    expect(comparable(ours.docs)).toEqual(comparable(expectedDocs(docs)));
    expect(ours.bad).toEqual([]);
    expect(ours.warnings).toEqual([
      {
        file: join(written.dir, KIND_META),
        code: 'LS_MANAGED_EXPORT_METADATA_INCOMPLETE',
        message: 'does not name output-1, found beside it: read too',
      },
    ]);
    expect(ours.facts?.files).toEqual(
      [0, 1, 2].map((i) => join(written.dir, `all_namespaces/all_kinds/output-${i}`)),
    );
  });

  it('metadata and listing that agree: no warning', async () => {
    const written = await writeExport(root, 'agree', docs, {
      layout: 'kinds',
      outputs: 2,
      entity: APP,
    });
    const ours = await readWithOurs(written.dir);
    expect(ours.warnings).toEqual([]);
    expect(comparable(ours.docs)).toEqual(comparable(expectedDocs(docs)));
  });
});
