import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensurePythonTool,
  ensureStack,
  resetFirestoreEmulator,
  type StackHandle,
} from '../src/index.js';

const run = promisify(execFile);

/**
 * Lists an export file's documents with the pinned reader: records with their CRCs checked,
 * each an App Engine EntityProto. The reader skips a corrupt block with a logged warning rather
 * than failing, so the warnings are part of the answer.
 */
const READ_EXPORT = `
import json, logging, sys
from leveldb_export.records import RecordsReader
from google.appengine.datastore import entity_bytes_pb2
warnings = []
class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())
logging.getLogger().addHandler(Collect())
docs = []
with open(sys.argv[1], 'rb') as f:
    for record in RecordsReader(f, no_check_crc=False):
        entity = entity_bytes_pb2.EntityProto.FromString(record)
        path = '/'.join(e.type + '/' + (e.name or str(e.id)) for e in entity.key.path.element)
        props = list(entity.property) + list(entity.raw_property)
        docs.append({'path': path, 'fields': {p.name: p.value.stringValue.decode() for p in props}})
print(json.dumps({'docs': docs, 'warnings': warnings}))
`;

interface ReaderAnswer {
  docs: { path: string; fields: Record<string, string> }[];
  warnings: string[];
}

async function readExport(python: string, file: string): Promise<ReaderAnswer> {
  const { stdout } = await run(python, ['-c', READ_EXPORT, file]);
  return JSON.parse(stdout) as ReaderAnswer;
}

describe('the Python reader of Firestore managed exports', () => {
  let stack: StackHandle;
  let python: string;
  const project = `devstack-reader-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'lakestream-firestore-export-'));

  beforeAll(async () => {
    // The first run installs the venv from PyPI (about 25 s on 2 cores); later runs reuse it.
    [stack, python] = await Promise.all([
      ensureStack({ services: ['firestore'] }),
      ensurePythonTool('firestore-reader', (message) =>
        process.stderr.write(`[devstack] ${message}\n`),
      ),
    ]);
  }, 600_000);
  afterAll(async () => {
    if (stack) {
      await resetFirestoreEmulator(stack.env.FIRESTORE_EMULATOR_HOST!, project);
      await stack.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is pinned, cached, and reads what the emulator exports with every CRC checked', async () => {
    expect(await ensurePythonTool('firestore-reader')).toBe(python);
    const { stdout: freeze } = await run(python, ['-m', 'pip', 'freeze']);
    expect(freeze).toContain('leveldb-export==0.1.1');
    expect(freeze).toContain('protobuf==3.20.3');

    const host = stack.env.FIRESTORE_EMULATOR_HOST!;
    const db = new Firestore({ projectId: project, host, ssl: false });
    try {
      await db.doc('teams/t1/reports/r1').set({ name: 'first' });
      await db.doc('teams/t1').set({ name: 'team' });
    } finally {
      await db.terminate();
    }
    const response = await fetch(`http://${host}/emulator/v1/projects/${project}:export`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        database: `projects/${project}/databases/(default)`,
        export_directory: dir,
        export_name: 'run1',
      }),
    });
    expect(response.status).toBe(200);
    const output = join(dir, 'run1', 'all_namespaces', 'all_kinds', 'output-0');

    const intact = await readExport(python, output);
    expect(intact.warnings).toEqual([]);
    expect(intact.docs.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'teams/t1', fields: { name: 'team' } },
      { path: 'teams/t1/reports/r1', fields: { name: 'first' } },
    ]);

    const bytes = readFileSync(output);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0xff;
    const corrupt = join(dir, 'corrupt-output-0');
    writeFileSync(corrupt, bytes);
    const damaged = await readExport(python, corrupt);
    expect(damaged.warnings.join('\n')).toMatch(/Invalid record/);
    expect(damaged.docs.length).toBeLessThan(2);
  });
});
