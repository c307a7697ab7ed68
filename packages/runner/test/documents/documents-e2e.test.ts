// The document sources end to end on real processes, as commands.sh runs them: the Firestore
// emulator → `firestore-source export` → bronze → the loader's documents worker → DuckDB; and
// sample stream reports plus a managed export written by the emulator itself → `firestore-source
// backfill` → Kafka → the documents bronze sink → the loader's MERGE. Every warehouse row is
// compared with what the test wrote through @google-cloud/firestore. Projects, topics, groups and
// LAKESTREAM_HOME are this test's own.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Firestore, GeoPoint, Timestamp } from '@google-cloud/firestore';
import { readTopicToEnd } from '@lakestream/kafka';
import { type QualityReport, QualityReportSchema } from '@lakestream/lake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Background, startBackground } from '../db-sync/pipeline.js';
import {
  documentNames,
  documentsEnv,
  documentsHome,
  ensureDocumentTopics,
  queryWarehouse,
  firestoreSource as runFirestoreSource,
  testKafka,
} from './pipeline.js';

const id = randomUUID().slice(0, 6);
const PROJECT = `ls-doce2e-${id}`;
const REPORTS_PROJECT = `ls-doce2e-${id}-r`;
const names = documentNames('doce2e', id);

let home: string;
let env: NodeJS.ProcessEnv;
let sink: Background;
let loader: Background;
let db: Firestore;

function emulator(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error('FIRESTORE_EMULATOR_HOST is not set: the firestore service is needed');
  return host;
}

function firestoreSource(args: string[]) {
  return runFirestoreSource(args, env, home);
}

async function expectOk(result: Awaited<ReturnType<typeof firestoreSource>>): Promise<string> {
  expect(result.code, `${result.stdout}\n${result.stderrTail.join('\n')}`).toBe(0);
  return result.stdout;
}

function query(sql: string): Promise<Record<string, unknown>[]> {
  return queryWarehouse(home, sql);
}

/** An ISO date-time in UTC with exactly 6 fractional digits, as the warehouse prints it here. */
function micros(iso: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!match) return micros(new Date(iso).toISOString());
  return `${match[1]}.${(match[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

beforeAll(async () => {
  home = await documentsHome('doce2e');
  env = documentsEnv(home, names);
  await ensureDocumentTopics(testKafka(`doce2e-${id}`), names);
  sink = startBackground('bronze-sink-documents', 'bronze-sink', [], env, home);
  loader = startBackground(
    'warehouse-loader-documents',
    'warehouse-loader',
    ['documents-worker'],
    env,
    home,
  );
  db = new Firestore({ projectId: PROJECT, host: emulator(), ssl: false, useBigInt: true });
}, 120_000);

afterAll(async () => {
  await Promise.all([sink?.stop(), loader?.stop(), db?.terminate()]);
  if (home) await rm(home, { recursive: true, force: true });
}, 60_000);

describe('firestore-export → bronze → documents worker → DuckDB', () => {
  const pods = Array.from({ length: 23 }, (_, i) => ({
    name: `pod-${i}`,
    replicas: BigInt(i) * 1_000_000_000_000n,
    cpu: i / 4,
    ready: i % 2 === 0,
    started: new Timestamp(1_700_000_000 + i, 123_456_000),
    labels: { app: `app-${i % 3}`, tier: i % 2 ? 'web' : 'db' },
    ports: [80, 443 + i],
    where: new GeoPoint(48.1, 11.5),
  }));

  it('replaces each collection snapshot atomically, and a re-run of a run changes nothing', async () => {
    const batch = db.batch();
    for (const [i, pod] of pods.entries())
      batch.set(db.doc(`pods/p${String(i).padStart(2, '0')}`), pod);
    batch.set(db.doc('teams/t1'), { title: 'Équipe', members: [] });
    await batch.commit();

    const exportEnv = ['--run-id', `run1-${id}`];
    env.FIRESTORE_EXPORT_PROJECTS = PROJECT;
    env.FIRESTORE_EXPORT_COLLECTIONS = 'pods,teams';
    env.FIRESTORE_EXPORT_PAGE_SIZE = '10';
    await expectOk(await firestoreSource(['export', ...exportEnv]));

    const schema = `firestore_${PROJECT.replaceAll('-', '_')}`;
    const rows = await query(
      `SELECT _ls_path, _ls_export_run, name, replicas::VARCHAR AS replicas, cpu, ready,
              strftime(started AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS started,
              labels::VARCHAR AS labels, ports::VARCHAR AS ports
         FROM "${schema}".pods ORDER BY _ls_path`,
    );
    expect(rows).toHaveLength(pods.length);
    for (const [i, pod] of pods.entries()) {
      const row = rows[i]!;
      expect(row._ls_path).toBe(`pods/p${String(i).padStart(2, '0')}`);
      expect(row._ls_export_run).toBe(`run1-${id}`);
      expect(row.name).toBe(pod.name);
      expect(row.replicas).toBe(pod.replicas.toString());
      expect(row.cpu).toBe(pod.cpu);
      expect(row.ready).toBe(pod.ready);
      expect(row.started).toBe(
        `2023-11-14T22:${13 + Math.floor((20 + i) / 60)}:${String((20 + i) % 60).padStart(2, '0')}.123456Z`,
      );
      expect(JSON.parse(String(row.labels))).toEqual(pod.labels);
      expect(JSON.parse(String(row.ports))).toEqual(pod.ports);
    }
    const teams = await query(`SELECT title, members::VARCHAR AS members FROM "${schema}".teams`);
    expect(teams).toEqual([{ title: 'Équipe', members: '[]' }]);

    // A second run sees the changes; the first run announced again changes nothing.
    await db.doc('pods/p00').update({ name: 'renamed' });
    await db.doc('pods/p01').delete();
    await expectOk(await firestoreSource(['export', '--run-id', `run2-${id}`]));
    const second = await query(
      `SELECT _ls_path, name, _ls_export_run FROM "${schema}".pods ORDER BY _ls_path`,
    );
    expect(second).toHaveLength(pods.length - 1);
    expect(second[0]).toEqual({
      _ls_path: 'pods/p00',
      name: 'renamed',
      _ls_export_run: `run2-${id}`,
    });
    await expectOk(await firestoreSource(['export', '--run-id', `run1-${id}`]));
    expect(
      await query(`SELECT _ls_path, name, _ls_export_run FROM "${schema}".pods ORDER BY _ls_path`),
    ).toEqual(second);
  }, 300_000);
});

describe('quality reports: the stream and a managed-export backfill in one table', () => {
  let stream: QualityReport[];

  async function table() {
    return query(
      `SELECT insert_id, team_id, report_id, overall_score, coverage, gaps, "overlaps", avg_dur,
              strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS created_at,
              source, load_ts::VARCHAR AS load_ts
         FROM reports.quality_stream
        WHERE insert_id IN (${[...expected.keys()].map((k) => `'${k}'`).join(',')})
        ORDER BY insert_id`,
    );
  }
  const expected = new Map<
    string,
    { source: string; overall_score: number | null; created_at: string }
  >();

  it('keeps each insert_id once, stream rows over backfill rows, and a re-run changes nothing', async () => {
    await expectOk(
      await firestoreSource([
        'quality-events',
        '--count',
        '6',
        '--seed',
        `${Date.now() % 1000}`,
        '--topic',
        names.reports,
      ]),
    );
    const kafka = testKafka(`doce2e-${id}-read`);
    stream = (
      await readTopicToEnd(kafka, names.reports, {
        groupIdPrefix: `doce2e-${id}`,
        timeoutMs: 60_000,
      })
    ).map((r) => QualityReportSchema.parse(JSON.parse(r.value!.toString())));
    expect(stream).toHaveLength(6);

    // The same reports in Firestore with other values and an older createdAt (3 of them), and new
    // ones (one without createdAt), exported by the emulator's own managed export.
    const reports = new Firestore({ projectId: REPORTS_PROJECT, host: emulator(), ssl: false });
    const batch = reports.batch();
    for (const report of stream.slice(0, 3)) {
      const ts = report.insert_id.slice(`${report.team_id}-${report.report_id}-`.length);
      batch.set(
        reports.doc(`teams/${report.team_id}/reports/${report.report_id}/qualityReports/${ts}`),
        {
          metrics: { overallScore: 0.01, coverage: 0.5, gaps: 9, overlaps: 9, avgDur: 1.5 },
          createdAt: Timestamp.fromMillis(Date.parse('2020-01-01T00:00:00Z')),
        },
      );
      expected.set(report.insert_id, {
        source: 'stream',
        overall_score: report.overall_score,
        created_at: report.created_at,
      });
    }
    for (const report of stream.slice(3)) {
      expected.set(report.insert_id, {
        source: 'stream',
        overall_score: report.overall_score,
        created_at: report.created_at,
      });
    }
    const fresh = [
      {
        team: `bt${id}`,
        report: 'r1',
        ts: '1700000000',
        createdAt: new Timestamp(1_700_000_100, 250_000),
        iso: '2023-11-14T22:15:00.000250Z',
      },
      {
        team: `bt${id}`,
        report: 'r1',
        ts: '1700003600',
        createdAt: new Timestamp(1_700_003_700, 0),
        iso: '2023-11-14T23:15:00.000000Z',
      },
      { team: `bt${id}`, report: 'r2', ts: '2024-05-01T10:00:00Z', createdAt: undefined, iso: '' },
    ];
    for (const [i, doc] of fresh.entries()) {
      batch.set(reports.doc(`teams/${doc.team}/reports/${doc.report}/qualityReports/${doc.ts}`), {
        metrics: { overallScore: 0.5 + i / 10, coverage: 0.9, gaps: i, overlaps: 0, avgDur: 12.25 },
        ...(doc.createdAt ? { createdAt: doc.createdAt } : {}),
      });
    }
    await batch.commit();
    await reports.terminate();
    const exportDir = join(home, 'exports');
    await mkdir(exportDir, { recursive: true });
    const response = await fetch(
      `http://${emulator()}/emulator/v1/projects/${REPORTS_PROJECT}:export`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          database: `projects/${REPORTS_PROJECT}/databases/(default)`,
          export_directory: exportDir,
          export_name: 'backfill',
        }),
      },
    );
    expect(response.status, await response.text()).toBe(200);

    const backfill = ['backfill', '--export', join(exportDir, 'backfill'), '--wait'];
    await expectOk(await firestoreSource(backfill));
    for (const [i, doc] of fresh.entries()) {
      const insertId = `${doc.team}-${doc.report}-${doc.ts}`;
      expected.set(insertId, {
        source: 'backfill',
        overall_score: 0.5 + i / 10,
        created_at: doc.iso,
      });
    }
    const rows = await table();
    expect(rows.map((r) => r.insert_id)).toEqual([...expected.keys()].sort());
    for (const row of rows) {
      const want = expected.get(String(row.insert_id))!;
      expect(row.source, String(row.insert_id)).toBe(want.source);
      expect(row.overall_score, String(row.insert_id)).toBe(want.overall_score);
      // No createdAt: the export's snapshot time stands in for the update time.
      if (want.created_at !== '')
        expect(row.created_at, String(row.insert_id)).toBe(micros(want.created_at));
      else expect(row.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }

    // Once more: nothing moves, not even load_ts.
    await expectOk(await firestoreSource(backfill));
    expect(await table()).toEqual(rows);
  }, 300_000);
});
