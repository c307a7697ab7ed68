import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { bronzeFileManifestKey, bronzeManifestKey } from '@lakestream/lake';
import { createLocalStore } from '@lakestream/object-store';
import { afterEach, describe, expect, it } from 'vitest';
import {
  META_COLUMNS,
  report,
  writeRecordsObject,
  writeSnapshotObject,
} from './support/documents-lake.js';
import { startLoader } from './support/loader-process.js';
import { queryDuckdb, silentLogger, TestBed } from './support/test-bed.js';

const FAULT = 'warehouse-loader.documents-after-apply';

describe('a documents worker killed between a warehouse write and its offset commit', () => {
  const bed = new TestBed();
  const teardown: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of teardown.splice(0).reverse()) await fn().catch(() => {});
    await bed.cleanup();
  });

  it('the restart re-reads the uncommitted manifest, changes nothing, and commits past it', async () => {
    const dir = await bed.folder();
    const store = createLocalStore(join(dir, 'lake'));
    const warehouse = join(dir, 'warehouse.duckdb');
    const topic = `test-doc-crash-manifests-${randomUUID()}`;
    const qualityTopic = `test.quality-crash.${randomUUID()}`;
    const groupId = `test-loader-documents-crash-${bed.id}`;
    const kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'warehouse-loader-documents-crash-test',
      logger: silentLogger,
    });
    const admin = kafka.admin();
    await admin.connect();
    teardown.push(() => admin.disconnect());
    teardown.push(() => admin.deleteGroups([groupId]));
    teardown.push(() => admin.deleteTopics({ topics: [topic] }));
    await ensureTopics(kafka, [{ topic, numPartitions: 1, configEntries: {} }]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    teardown.push(() => producer.disconnect());

    const readTime = '2024-05-01T00:00:00.000000Z';
    const run = await writeSnapshotObject(store, {
      project: 'wl-crash',
      collection: 'teams',
      runId: 'run-1',
      readTime,
      columns: [...META_COLUMNS, { name: 'name', type: 'STRING' }],
      rows: ['a', 'b'].map((name, i) => ({
        _ls_path: `teams/${i}`,
        _ls_export_run: 'run-1',
        _ls_read_time: readTime,
        name,
      })),
    });
    const reports = await writeRecordsObject(store, qualityTopic, 0, 0, [
      report('q1', 'stream', '2024-01-01T00:00:00Z', 1),
      report('q2', 'stream', '2024-01-01T00:00:00Z', 2),
    ]);
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: bronzeFileManifestKey(run.source), value: JSON.stringify(run) },
        {
          key: bronzeManifestKey(reports.topic, reports.partition),
          value: JSON.stringify(reports),
        },
      ],
    });
    const env = {
      LAKESTREAM_HOME: dir,
      WAREHOUSE_LOADER_BRONZE_FILES_TOPIC: topic,
      WAREHOUSE_LOADER_QUALITY_REPORTS_TOPIC: qualityTopic,
      WAREHOUSE_LOADER_DOCUMENTS_GROUP_ID: groupId,
      METRICS_PORT: '0',
      WAREHOUSE_LOADER_SESSION_TIMEOUT: '6s',
    };
    const committed = async () => {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Number(t?.partitions[0]?.offset ?? -1);
    };
    const teams = () =>
      queryDuckdb(warehouse, 'SELECT _ls_path AS p, name FROM firestore_wl_crash.teams ORDER BY p');
    const quality = () =>
      queryDuckdb(
        warehouse,
        'SELECT insert_id AS id, overall_score AS m, CAST(load_ts AS VARCHAR) AS load_ts FROM reports.quality_stream ORDER BY id',
      );

    // The snapshot commits and its offset too; the process dies right after the quality
    // reports' MERGE, before that message's offset is committed.
    const crashed = startLoader(['documents-worker'], {
      ...env,
      LAKESTREAM_FAULT_POINTS: `${FAULT}@2`,
    });
    expect(await crashed.exited).toBeNull();
    expect(crashed.child.signalCode).toBe('SIGKILL');
    expect(crashed.stderr()).toContain(`fault point ${FAULT}`);
    expect(await committed()).toBe(1);
    const mergedBefore = await quality();
    expect(mergedBefore.map((r) => [r.id, r.m])).toEqual([
      ['q1', 1],
      ['q2', 2],
    ]);

    const restarted = startLoader(['documents-worker'], env);
    teardown.push(async () => {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    });
    await expect.poll(committed, { timeout: 60_000, interval: 200 }).toBe(2);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(await teams()).toEqual([
      { p: 'teams/0', name: 'a' },
      { p: 'teams/1', name: 'b' },
    ]);
    // No duplicate and no second write: the rows keep the load time of their first MERGE.
    expect(await quality()).toEqual(mergedBefore);
    expect(
      await queryDuckdb(
        warehouse,
        'SELECT run_id, "rows"::INTEGER AS n FROM firestore_wl_crash._ls_snapshots',
      ),
    ).toEqual([{ run_id: 'run-1', n: 2 }]);
  });
});
