import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { createKafka, ensureTopics, readTopicToEnd } from '@lakestream/kafka';
import {
  type BronzeFileManifest,
  bronzeFileManifestKey,
  bronzeManifestKey,
  type EurostatFileManifest,
  eurostatBronzeKey,
  parseDeadLetter,
  type WrittenBronzeManifest,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentsDuckdbWriter } from '../src/documents-duckdb.js';
import { createDocumentsWorker } from '../src/documents-worker.js';
import type { DocumentsWriter } from '../src/documents-writer.js';
import { LoaderError } from '../src/errors.js';
import type { Worker } from '../src/worker.js';
import {
  META_COLUMNS,
  report,
  writeRecordsObject,
  writeSnapshotObject,
} from './support/documents-lake.js';
import { queryDuckdb, silentLogger, TestBed } from './support/test-bed.js';

/** Longest an object may take to be applied and committed, on a busy machine. */
const APPLIED_WITHIN_MS = 60_000;
/** Failures the fault wrapper injects before letting a snapshot through. */
const INJECTED_FAILURES = 2;
/** Dead letters the fault wrapper has the broker refuse before letting one through. */
const INJECTED_LETTER_FAILURES = 1;

describe('documents worker (real Kafka, local lake, DuckDB)', () => {
  const bed = new TestBed();
  const manifestsTopic = `test-doc-manifests-${randomUUID()}`;
  const qualityTopic = `test.quality-reports.${randomUUID()}`;
  const deadLetterTopic = `test-doc-dead-letters-${randomUUID()}`;
  const groupId = `test-loader-documents-${randomUUID()}`;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let store: ObjectStore;
  let worker: Worker;
  let path: string;
  /** The group's committed offset of the snapshot's partition at each injected failure. */
  const committedAtFailure: number[] = [];
  let snapshotAt: { partition: number; offset: number } | undefined;
  /** At each dead letter the broker refused: its manifest's offset and the group's committed one. */
  const letterFailures: { offset: number; committed: number }[] = [];

  async function committed(partition: number): Promise<number> {
    const [topic] = await admin.fetchOffsets({ groupId, topics: [manifestsTopic] });
    return Number(topic?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
  }

  /** Waits until the group has committed past every message of the topic so far. */
  async function caughtUp(): Promise<void> {
    const ends = await admin.fetchTopicOffsets(manifestsTopic);
    const deadline = Date.now() + APPLIED_WITHIN_MS;
    for (;;) {
      const pending = [];
      for (const end of ends) {
        if (end.high !== '0' && (await committed(end.partition)) < Number(end.high))
          pending.push(end);
      }
      if (pending.length === 0) return;
      if (Date.now() > deadline) throw new Error(`not committed: ${JSON.stringify(pending)}`);
      await sleep(200);
    }
  }

  /**
   * Announces a manifest on the topic; `inTransaction` as the bronze sink does, in a Kafka
   * transaction whose commit (or, with `abort`, abort) marker takes the next offset.
   */
  async function announce(
    manifest: BronzeFileManifest | EurostatFileManifest | WrittenBronzeManifest,
    { inTransaction = false, abort = false } = {},
  ) {
    const key =
      'kind' in manifest
        ? bronzeFileManifestKey(manifest.source)
        : bronzeManifestKey(manifest.topic, manifest.partition);
    const record = {
      topic: manifestsTopic,
      acks: -1,
      messages: [{ key, value: JSON.stringify(manifest) }],
    };
    if (!inTransaction) {
      const [meta] = await producer.send(record);
      return { partition: meta!.partition, offset: Number(meta!.baseOffset) };
    }
    const transactional = kafka.producer({
      transactionalId: `${groupId}.test-manifests`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await transactional.connect();
    try {
      const transaction = await transactional.transaction();
      const [meta] = await transaction.send(record);
      await (abort ? transaction.abort() : transaction.commit());
      return { partition: meta!.partition, offset: Number(meta!.baseOffset) };
    } finally {
      await transactional.disconnect();
    }
  }

  beforeAll(async () => {
    kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'warehouse-loader-documents-test',
      logger: silentLogger,
    });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(kafka, [{ topic: manifestsTopic, numPartitions: 3, configEntries: {} }]);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    store = await bed.localStore();
    path = join(await bed.folder(), 'warehouse.duckdb');
    const real = createDocumentsDuckdbWriter({ path, store });
    let failures = 0;
    // Fault injection only: the warehouse is briefly unavailable for the first snapshot.
    const writer: DocumentsWriter = {
      ...real,
      kind: real.kind,
      description: real.description,
      async replaceSnapshot(manifest) {
        if (failures < INJECTED_FAILURES) {
          failures++;
          if (snapshotAt) committedAtFailure.push(await committed(snapshotAt.partition));
          throw new LoaderError('LS_LOADER_WAREHOUSE_UNAVAILABLE', 'injected', { retryable: true });
        }
        return real.replaceSnapshot(manifest);
      },
      mergeQualityReports: (manifest) => real.mergeQualityReports(manifest),
    };
    // Fault injection only: the broker refuses the worker's first dead letter.
    const refusing = Object.create(kafka) as Kafka;
    refusing.producer = (config) => {
      const real = kafka.producer(config);
      const send = real.send.bind(real);
      real.send = async (record) => {
        if (record.topic === deadLetterTopic && letterFailures.length < INJECTED_LETTER_FAILURES) {
          const { source } = parseDeadLetter(record.messages[0]!.value as string);
          if (source.kind !== 'topic') throw new Error(`unexpected source ${source.kind}`);
          const at = {
            offset: Number(source.offset),
            committed: await committed(source.partition),
          };
          letterFailures.push(at);
          throw new Error('injected: not enough in-sync replicas');
        }
        return send(record);
      };
      return real;
    };
    worker = createDocumentsWorker({
      kafka: refusing,
      writer,
      manifestsTopic,
      qualityReportsTopic: qualityTopic,
      deadLetterTopic,
      groupId,
      sessionTimeoutMs: 10_000,
      retryDelayMs: 200,
      retry: { retries: 0, baseMs: 10, maxMs: 50 },
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    worker?.stopIntake();
    await worker?.flush();
    await worker?.close();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [manifestsTopic, deadLetterTopic] }).catch(() => {});
    await admin?.deleteGroups([groupId]).catch(() => {});
    await admin?.disconnect();
    await bed.cleanup();
  });

  const teams = () =>
    queryDuckdb(
      path,
      'SELECT _ls_path AS p, _ls_export_run AS run, name FROM firestore_wl_test.teams ORDER BY p',
    );
  const quality = () =>
    queryDuckdb(
      path,
      'SELECT insert_id AS id, source, overall_score AS m, CAST(load_ts AS VARCHAR) AS load_ts FROM reports.quality_stream ORDER BY id',
    );
  const snapshot = (runId: string, readTime: string, names: string[]) =>
    writeSnapshotObject(store, {
      project: 'wl-test',
      collection: 'teams',
      runId,
      readTime,
      columns: [...META_COLUMNS, { name: 'name', type: 'STRING' }],
      rows: names.map((name, i) => ({
        _ls_path: `teams/${i}`,
        _ls_export_run: runId,
        _ls_read_time: readTime,
        name,
      })),
    });

  it('applies snapshots and quality objects, skips the rest, and commits only after the write', async () => {
    const run1 = await snapshot('run-1', '2024-05-01T00:00:00.000000Z', ['a', 'b']);
    const stream = await writeRecordsObject(store, qualityTopic, 0, 0, [
      report('q1', 'stream', '2024-01-01T00:00:00Z', 1),
      report('q2', 'stream', '2024-01-01T00:00:00Z', 2),
    ]);
    const other = await writeRecordsObject(store, 'test.other-topic', 0, 0, [{ x: 1 }]);
    snapshotAt = await announce(run1);
    await announce(stream);
    await announce(other);
    await producer.send({ topic: manifestsTopic, messages: [{ key: 'junk', value: 'not json' }] });
    await worker.start();
    await caughtUp();
    expect(await teams()).toEqual([
      { p: 'teams/0', run: 'run-1', name: 'a' },
      { p: 'teams/1', run: 'run-1', name: 'b' },
    ]);
    expect((await quality()).map((r) => [r.id, r.source, r.m])).toEqual([
      ['q1', 'stream', 1],
      ['q2', 'stream', 2],
    ]);
    // While the warehouse failed, the group never committed past the snapshot's manifest.
    expect(committedAtFailure).toHaveLength(INJECTED_FAILURES);
    for (const at of committedAtFailure) expect(at).toBeLessThanOrEqual(snapshotAt.offset);
    expect(() => worker.checkReady()).not.toThrow();

    // The last manifest of its partition, followed by its transaction's commit marker: caught up
    // means committed past the marker too, or the group's lag stays at 1 – for a manifest with
    // nothing to apply, one applied, and one aborted (which the worker never sees).
    await announce(other, { inTransaction: true });
    await caughtUp();
    await announce(stream, { inTransaction: true });
    await caughtUp();
    await announce(other, { inTransaction: true, abort: true });
    await caughtUp();
  });

  it('a re-announced run and quality object change nothing; an older backfill never replaces stream rows', async () => {
    const before = await quality();
    const run2 = await snapshot('run-2', '2024-05-02T00:00:00.000000Z', ['renamed']);
    const backfill = await writeRecordsObject(store, qualityTopic, 1, 0, [
      report('q1', 'backfill', '2023-12-31T00:00:00Z', 10),
      report('q3', 'backfill', '2024-01-01T00:00:00Z', 30),
    ]);
    await announce(run2);
    await announce(backfill);
    await caughtUp();
    const afterFirst = await quality();
    await announce(run2);
    await announce(backfill);
    const stale = await snapshot('run-0', '2024-04-30T00:00:00.000000Z', ['old']);
    await announce(stale);
    await caughtUp();
    expect(await teams()).toEqual([{ p: 'teams/0', run: 'run-2', name: 'renamed' }]);
    const after = await quality();
    expect(after).toEqual(afterFirst);
    expect(after.map((r) => [r.id, r.source, r.m])).toEqual([
      ['q1', 'stream', 1],
      ['q2', 'stream', 2],
      ['q3', 'backfill', 30],
    ]);
    expect(after[0]!.load_ts).toBe(before[0]!.load_ts);
  });

  it('dead-letters a snapshot or quality object it can never load before committing past it; a refused letter keeps the offset', async () => {
    // DuckDB's names are case-insensitive: `name` and `Name` cannot both be columns.
    const clash = await writeSnapshotObject(store, {
      project: 'wl-test',
      collection: 'clash',
      runId: 'run-1',
      readTime: '2024-05-01T00:00:00.000000Z',
      columns: [
        ...META_COLUMNS,
        { name: 'name', type: 'STRING' },
        { name: 'Name', type: 'STRING' },
      ],
      rows: [{ _ls_path: 'clash/a', _ls_export_run: 'run-1', name: 'a', Name: 'A' }],
    });
    const notGzip = await writeRecordsObject(store, qualityTopic, 2, 0, [
      report('q9', 'stream', '2024-01-01T00:00:00Z', 9),
    ]);
    await store.put(notGzip.key, Buffer.from('not gzip'));
    const rejectedAt = await announce(clash);
    const notGzipAt = await announce(notGzip);
    const after = await snapshot('run-3', '2024-05-03T00:00:00.000000Z', ['later']);
    await announce(after);
    await caughtUp();
    // Once the group is past a manifest, its dead letter is there: what an export run checks.
    const letters = new Map(
      (
        await readTopicToEnd(kafka, deadLetterTopic, {
          groupIdPrefix: 'test-doc-dead-letters',
          timeoutMs: APPLIED_WITHIN_MS,
        })
      ).map((letter) => [letter.key?.toString(), parseDeadLetter(letter.value!)]),
    );
    const keyOf = (at: { partition: number; offset: number }) =>
      `${manifestsTopic}+${at.partition}+${at.offset}`;
    expect([...letters.keys()].sort()).toEqual([keyOf(rejectedAt), keyOf(notGzipAt)].sort());
    expect(letters.get(keyOf(notGzipAt))).toMatchObject({
      reasons: [
        { code: 'LS_LOADER_DOCUMENTS_INVALID', message: expect.stringContaining('not gzip') },
      ],
      raw: JSON.stringify(notGzip),
      source: { kind: 'topic', partition: notGzipAt.partition, offset: String(notGzipAt.offset) },
    });
    expect(letters.get(keyOf(rejectedAt))).toMatchObject({
      component: 'warehouse-loader',
      reasons: [
        {
          code: 'LS_LOADER_DOCUMENTS_INVALID',
          message: expect.stringContaining("its rows do not load with the manifest's columns"),
        },
      ],
      raw: JSON.stringify(clash),
      raw_encoding: 'utf8',
      source: {
        kind: 'topic',
        topic: manifestsTopic,
        partition: rejectedAt.partition,
        offset: String(rejectedAt.offset),
      },
    });
    // While the broker refused a letter, the group never committed past its manifest.
    expect(letterFailures).toHaveLength(INJECTED_LETTER_FAILURES);
    for (const at of letterFailures) expect(at.committed).toBeLessThanOrEqual(at.offset);
    // The rejected manifest holds nothing behind it.
    expect(await teams()).toEqual([{ p: 'teams/0', run: 'run-3', name: 'later' }]);
    expect(() => worker.checkReady()).not.toThrow();
  });

  it('passes over a Eurostat raw answer: committed past, no dead letter, the warehouse unchanged', async () => {
    const tables = () =>
      queryDuckdb(
        path,
        'SELECT table_schema AS s, table_name AS t FROM information_schema.tables ORDER BY s, t',
      );
    const [teamsBefore, qualityBefore, tablesBefore] = [
      await teams(),
      await quality(),
      await tables(),
    ];
    // A synthetic JSON-stat answer, landed as the Eurostat source lands one.
    const key = eurostatBronzeKey('hlth_rs_bds', '2024-05-01T09:00:00Z');
    const text = Buffer.from(
      '{"version":"2.0","class":"dataset","value":{"0":1},"id":["geo"],"size":[1]}',
    );
    const body = gzipSync(text);
    await store.put(key, body);
    const manifest: EurostatFileManifest = {
      version: 1,
      kind: 'file',
      uri: store.uri(key),
      key,
      record_count: 1,
      bytes: body.length,
      uncompressed_bytes: text.length,
      written_at: new Date().toISOString(),
      writer: 'eurostat-source@test',
      format: 'json.gz',
      source: {
        dataset: 'eurostat',
        code: 'hlth_rs_bds',
        update_time: '2024-05-01T09:00:00Z',
        url: 'http://127.0.0.1:1/eurostat/api/dissemination/statistics/1.0/data/HLTH_RS_BDS?format=JSON&lang=EN',
        cells: 1,
      },
    };
    const at = await announce(manifest);
    await caughtUp();
    expect(await committed(at.partition)).toBeGreaterThan(at.offset);
    const letters = await readTopicToEnd(kafka, deadLetterTopic, {
      groupIdPrefix: 'test-doc-dead-letters',
      timeoutMs: APPLIED_WITHIN_MS,
    });
    expect(letters.map((l) => l.key?.toString())).not.toContain(
      `${manifestsTopic}+${at.partition}+${at.offset}`,
    );
    expect(await teams()).toEqual(teamsBefore);
    expect(await quality()).toEqual(qualityBefore);
    expect(await tables()).toEqual(tablesBefore);
    expect(() => worker.checkReady()).not.toThrow();
  });
});
