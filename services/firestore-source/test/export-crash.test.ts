/**
 * A run of one run id killed (SIGKILL, no shutdown) at the two moments its lake and its topic
 * disagree: after an object is written but before the run record, and after the record but
 * before any manifest is published. The re-run of the run id loses nothing and announces each
 * table exactly once, with one object per table in the lake.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { listAll } from '@lakestream/object-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportStack } from './export-stack.js';

const stack = new ExportStack();

beforeAll(() => stack.start(1));
afterAll(() => stack.stop());

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `firestore-source export --run-id … --no-wait` from the sources, as an operator runs it. */
function exportProcess(project: string, runId: string, faults = ''): Promise<Exit> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=lakestream-source',
      '--import',
      'tsx',
      'src/main.ts',
      'export',
      '--run-id',
      runId,
      '--no-wait',
    ],
    {
      cwd: join(import.meta.dirname, '..'),
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        LAKESTREAM_HOME: stack.lake,
        METRICS_PORT: '0',
        FIRESTORE_SOURCE_LOG_FILE: '',
        FIRESTORE_EXPORT_CONFIG: '',
        FIRESTORE_EXPORT_PROFILE: '',
        FIRESTORE_EXPORT_PROJECTS: project,
        FIRESTORE_EXPORT_COLLECTIONS: 'teams',
        FIRESTORE_EXPORT_SUBCOLLECTIONS: 'true',
        FIRESTORE_EXPORT_STORAGE_URL: stack.lake,
        FIRESTORE_EXPORT_MANIFEST_TOPIC: stack.topic,
        FIRESTORE_EXPORT_DEAD_LETTER_TOPIC: stack.deadLetterTopic,
        LAKESTREAM_FAULT_POINTS: faults,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

/** The export objects and run records of a project in the lake. */
async function lakeKeys(project: string): Promise<{ objects: string[]; records: string[] }> {
  const keys = (await listAll(stack.store, `bronze/firestore/${project}/`)).map((o) => o.key);
  return {
    objects: keys.filter((k) => k.endsWith('.jsonl.gz')),
    records: keys.filter((k) => k.includes('/_runs/')),
  };
}

/** The tables announced for a project, in order. */
async function announced(project: string): Promise<string[]> {
  return (await stack.messages())
    .filter((m) => m.key.includes(`+${project}+`))
    .map((m) => (JSON.parse(m.value) as { source: { target_table: string } }).source.target_table);
}

describe('export: a run killed before its announcement', () => {
  it('killed after an object, before the run record: the re-run reads again and overwrites it', async () => {
    const { id, db } = stack.project('crash-put');
    await db.doc('teams/t1').set({ name: 'one' });
    await db.doc('teams/t1/reports/r1').set({ score: 1n });
    const runId = `crash-put-${stack.suffix}`;

    const crashed = await exportProcess(id, runId, 'firestore-export.after-put@1');
    expect([crashed.code, crashed.signal]).toEqual([null, 'SIGKILL']);
    expect(crashed.stderr).toContain('fault point firestore-export.after-put');
    const left = await lakeKeys(id);
    expect([left.objects.length, left.records]).toEqual([1, []]);
    expect(await announced(id)).toEqual([]);

    const rerun = await exportProcess(id, runId);
    expect(rerun.code, rerun.stderr).toBe(0);
    const lake = await lakeKeys(id);
    expect([lake.objects.length, lake.records.length]).toEqual([2, 1]);
    expect(lake.objects).toContain(left.objects[0]);
    expect(await announced(id)).toEqual(['teams', 'teams__reports']);
    const rows = await Promise.all(lake.objects.map((key) => stack.rows(key)));
    expect(rows.flat().map((row) => row._ls_path)).toEqual(
      expect.arrayContaining(['teams/t1', 'teams/t1/reports/r1']),
    );
    expect(rows.flat()).toHaveLength(2);
  });

  it('killed after the run record, before publishing: the re-run announces the recorded objects once', async () => {
    const { id, db } = stack.project('crash-record');
    await db.doc('teams/t1').set({ name: 'one' });
    await db.doc('teams/t1/reports/r1').set({ score: 1n });
    const runId = `crash-record-${stack.suffix}`;

    const crashed = await exportProcess(id, runId, 'firestore-export.after-record');
    expect([crashed.code, crashed.signal]).toEqual([null, 'SIGKILL']);
    const left = await lakeKeys(id);
    expect([left.objects.length, left.records.length]).toEqual([2, 1]);
    expect(await announced(id)).toEqual([]);
    const bodies = await Promise.all(left.objects.map((key) => stack.store.get(key)));

    // Firestore changes after the crash: the run id's objects must not.
    await db.doc('teams/t2').set({ name: 'two' });
    const rerun = await exportProcess(id, runId);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/teams\s+reused\s+1\s/);
    expect(await lakeKeys(id)).toEqual(left);
    for (const [i, key] of left.objects.entries()) {
      expect((await stack.store.get(key)).equals(bodies[i]!)).toBe(true);
    }
    expect(await announced(id)).toEqual(['teams', 'teams__reports']);
  });
});
