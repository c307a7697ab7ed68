import { randomUUID } from 'node:crypto';
import { BigQuery, type JobOptions } from '@google-cloud/bigquery';
import type { FileColumn } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentsBigqueryWriter } from '../src/documents-bigquery.js';
import type { DocumentsWriter } from '../src/documents-writer.js';
import { gcsLoad } from '../src/gcs-load.js';
import {
  META_COLUMNS,
  report,
  writeRecordsObject,
  writeSnapshotObject,
} from './support/documents-lake.js';
import { TestBed } from './support/test-bed.js';

const emulatorHost = process.env.BIGQUERY_EMULATOR_HOST!;
const projectId = process.env.BIGQUERY_PROJECT!;

/**
 * The document sources into goccy/bigquery-emulator, reading fake-gcs-server: few jobs (the
 * emulator degrades after a few hundred), every one of them counted.
 */
describe('documents → BigQuery (emulator, fake-gcs-server)', () => {
  const bed = new TestBed();
  const bigquery = new BigQuery({ apiEndpoint: emulatorHost, projectId });
  const project = `wl-${randomUUID().slice(0, 8)}`;
  const dataset = `firestore_${project.replaceAll('-', '_')}`;
  const inventory = `inventory_${randomUUID().slice(0, 8).replaceAll('-', '_')}`;
  /** quality_stream is one table for every run: this run's rows have their own insert ids. */
  const id = (n: string) => `${bed.id}-${n}`;
  const createdJobs: string[] = [];
  let store: ObjectStore;
  let bucket: string;
  let writer: DocumentsWriter;
  let client: BigQuery;

  beforeAll(async () => {
    ({ store, bucket } = await bed.gcsStore());
    client = new BigQuery({ apiEndpoint: emulatorHost, projectId });
    const createJob = client.createJob.bind(client);
    client.createJob = ((options: JobOptions) => {
      createdJobs.push(String(options.jobId));
      return createJob(options);
    }) as typeof client.createJob;
    writer = createDocumentsBigqueryWriter({ store, projectId, emulatorHost, client });
  });

  afterAll(async () => {
    for (const d of [dataset, inventory]) {
      await bigquery
        .dataset(d)
        .delete({ force: true })
        .catch(() => {});
    }
    await bed.cleanup();
  });

  const query = async (sql: string) => (await bigquery.query({ query: sql }))[0];

  it('loads a snapshot with its explicit schema; a re-announced run and an older read time run no job', async () => {
    const columns: FileColumn[] = [
      ...META_COLUMNS,
      { name: 'name', type: 'STRING' },
      { name: 'count', type: 'INT64' },
      { name: 'score', type: 'FLOAT64' },
      { name: 'active', type: 'BOOL' },
      { name: 'blob', type: 'BYTES' },
    ];
    const spec = (runId: string, readTime: string, name: string) => ({
      project,
      collection: 'teams',
      runId,
      readTime,
      columns,
      rows: [
        {
          _ls_path: 'teams/a',
          _ls_export_run: runId,
          _ls_read_time: readTime,
          name,
          count: '9007199254740993',
          score: 1.5,
          active: true,
          blob: Buffer.from('hi').toString('base64'),
        },
        { _ls_path: 'teams/b', _ls_export_run: runId, _ls_read_time: readTime, score: 2 },
      ],
    });
    const run2 = await writeSnapshotObject(
      store,
      spec('run-2', '2024-05-02T00:00:00.000000Z', 'new'),
    );
    expect(await writer.replaceSnapshot(run2)).toMatchObject({ kind: 'replaced', rows: 2 });
    const rows = await query(
      `SELECT _ls_path, name, CAST(count AS STRING) AS c, score, active, SAFE_CONVERT_BYTES_TO_STRING(blob) AS b FROM \`${projectId}.${dataset}.teams\` ORDER BY _ls_path`,
    );
    expect(rows).toEqual([
      {
        _ls_path: 'teams/a',
        name: 'new',
        c: '9007199254740993',
        score: 1.5,
        active: true,
        // Emulator gap (README): it keeps a BYTES value's base64 text as the bytes; BigQuery
        // decodes it (these bytes would read 'hi').
        b: 'aGk=',
      },
      { _ls_path: 'teams/b', name: null, c: null, score: 2, active: null, b: null },
    ]);
    const jobs = createdJobs.length;
    expect(await writer.replaceSnapshot(run2)).toMatchObject({ kind: 'recorded' });
    const run1 = await writeSnapshotObject(
      store,
      spec('run-1', '2024-05-01T00:00:00.000000Z', 'old'),
    );
    expect(await writer.replaceSnapshot(run1)).toMatchObject({ kind: 'superseded' });
    expect(createdJobs.length).toBe(jobs);
  });

  it('merges quality reports with the same rule: an older or tied backfill loses to stream, a re-run changes nothing', async () => {
    const topic = `test.quality.${bed.id}`;
    const stream = await writeRecordsObject(store, topic, 0, 0, [
      report(id('a'), 'stream', '2024-01-01T00:00:00Z', 1),
      report(id('a'), 'stream', '2024-01-02T00:00:00Z', 2), // the later one within the object
    ]);
    const backfill = await writeRecordsObject(store, topic, 1, 0, [
      report(id('a'), 'backfill', '2024-01-02T00:00:00Z', 3), // the stream row's created_at: a tie
      report(id('b'), 'backfill', '2024-01-01T00:00:00Z', 4),
    ]);
    expect(await writer.mergeQualityReports(stream)).toMatchObject({ staged: 1, changed: 1 });
    expect(await writer.mergeQualityReports(backfill)).toMatchObject({ staged: 2, changed: 1 });
    const read = () =>
      query(
        `SELECT insert_id, source, overall_score, load_ts FROM \`${projectId}.reports.quality_stream\` WHERE STARTS_WITH(insert_id, '${bed.id}-') ORDER BY insert_id`,
      );
    const before = await read();
    expect(before.map((r) => [r.insert_id, r.source, r.overall_score])).toEqual([
      [id('a'), 'stream', 2],
      [id('b'), 'backfill', 4],
    ]);
    const jobs = createdJobs.length;
    expect(await writer.mergeQualityReports(backfill)).toMatchObject({ changed: 0 });
    expect(createdJobs.length).toBe(jobs);
    expect(await read()).toEqual(before);
  });

  it('gcs-load: autodetected columns, WRITE_TRUNCATE; a second run over the same objects finds its job', async () => {
    const rows = (n: number) =>
      Buffer.from(
        Array.from(
          { length: n },
          (_, i) => `${JSON.stringify({ pod: `p${i}`, cpu: i + 0.5 })}\n`,
        ).join(''),
      );
    await store.put('pods/a.json', rows(2));
    await store.put('pods/b.jsonl', rows(3));
    const options = {
      prefix: `gs://${bucket}/lake/pods/`,
      schema: inventory,
      table: 'pods',
      lake: store,
      storageEmulatorHost: process.env.STORAGE_EMULATOR_HOST!,
      target: { kind: 'bigquery' as const, projectId, emulatorHost, client },
    };
    expect(await gcsLoad(options)).toMatchObject({ rows: 5, objects: 2 });
    const jobs = createdJobs.length;
    expect(await gcsLoad(options)).toMatchObject({ rows: 5, objects: 2 });
    expect(createdJobs.length).toBe(jobs);
  });

  it('gcs-load: a table dropped since its job is loaded again, once', async () => {
    await store.put('nodes/a.json', Buffer.from('{"node":"n1"}\n{"node":"n2"}\n'));
    const options = {
      prefix: `gs://${bucket}/lake/nodes/`,
      schema: inventory,
      table: 'nodes',
      lake: store,
      storageEmulatorHost: process.env.STORAGE_EMULATOR_HOST!,
      target: { kind: 'bigquery' as const, projectId, emulatorHost, client },
    };
    await gcsLoad(options);
    await bigquery.dataset(inventory).table('nodes').delete();
    const jobs = createdJobs.length;
    expect(await gcsLoad(options)).toMatchObject({ rows: 2, objects: 1 });
    expect(createdJobs.length).toBe(jobs + 1);
    expect(
      (await query(`SELECT COUNT(*) AS n FROM \`${projectId}.${inventory}.nodes\``))[0].n,
    ).toBe(2);
    // The table is that load's again: a repeat finds its job.
    expect(await gcsLoad(options)).toMatchObject({ rows: 2, objects: 1 });
    expect(createdJobs.length).toBe(jobs + 1);
  });
});
