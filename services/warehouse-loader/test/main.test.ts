import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLocalStore } from '@lakestream/object-store';
import { type BatchAnnouncement, batchManifestKey, SILVER_TABLE_NAMES } from '@lakestream/silver';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoader, startLoader } from './support/loader-process.js';
import { batch1, batch2, COUNTS_AFTER_BOTH } from './support/scenario.js';
import { type SilverBatchSpec, writeSilverBatch } from './support/silver-writer.js';
import { duckdbCounts, silentLogger, TestBed } from './support/test-bed.js';

describe('warehouse-loader command', () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function home() {
    const dir = await bed.folder();
    const store = createLocalStore(join(dir, 'lake'));
    const env = { LAKESTREAM_HOME: dir, WAREHOUSE_TARGET: 'duckdb' };
    return { dir, store, env, warehouse: join(dir, 'warehouse.duckdb') };
  }

  it('run: applies what is pending into $LAKESTREAM_HOME/warehouse.duckdb, then says there is nothing to do', async () => {
    const { store, env, warehouse } = await home();
    await writeSilverBatch(store, batch1());
    await writeSilverBatch(store, batch2());
    const first = await runLoader(['run'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(
        `^warehouse-loader: applied 2 batches \\(00000001…00000002\\) to duckdb ${warehouse} \\(schema silver\\): dim_customer 7, dim_product 5, dim_geography 4, dim_date 8, fct_order_items 17 rows in \\d+\\.\\d\\d s\\n$`,
      ),
    );
    expect(await duckdbCounts(warehouse)).toEqual(COUNTS_AFTER_BOTH);
    const second = await runLoader(['run'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /^warehouse-loader: nothing to apply, all 2 published batches are applied \(duckdb .*\) in \d+\.\d\d s\n$/,
    );
  });

  it('run: exits 1 naming the gap; 2 on bad arguments or configuration', async () => {
    const { store, env } = await home();
    await writeSilverBatch(store, batch1());
    await writeSilverBatch(store, { ...batch2(), sequence: 3 });
    const gap = await runLoader(['run'], env);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toContain(
      'warehouse-loader: batch 00000003 is published but batch 00000002 is not: stopping before 00000003',
    );
    const badArgs = await runLoader(['load'], env);
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toContain("unknown mode 'load'");
    const badConfig = await runLoader(['run'], { ...env, WAREHOUSE_TARGET: 'bigquery' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('the bigquery target loads Parquet files from gs:// URIs');
  });

  it('run --every: applies each interval until SIGTERM, then exits 0', async () => {
    const { store, env, warehouse } = await home();
    await writeSilverBatch(store, batch1());
    const loader = startLoader(['run', '--every', '1s'], { ...env, METRICS_PORT: '0' });
    await loader.waitForLine(/applied 1 batch \(00000001\)/);
    await writeSilverBatch(store, batch2());
    await loader.waitForLine(/applied 1 batch \(00000002\)/);
    loader.child.kill('SIGTERM');
    expect(await loader.exited).toBe(0);
    expect(await duckdbCounts(warehouse)).toEqual(COUNTS_AFTER_BOTH);
  });

  it('worker: applies on each announcement, commits after, applies an unannounced batch on its timer, and stops cleanly on SIGTERM', async () => {
    const { store, env, warehouse } = await home();
    const kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'warehouse-loader-test',
      logger: silentLogger,
    });
    const topic = `test-silver-batches-${randomUUID()}`;
    const groupId = `test-warehouse-loader-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    const publish = async (spec: SilverBatchSpec) => {
      const manifest = await writeSilverBatch(store, spec);
      const announcement: BatchAnnouncement = {
        version: 1,
        batch_id: manifest.batch_id,
        sequence: manifest.sequence,
        manifest_key: batchManifestKey(manifest.batch_id),
        manifest_uri: store.uri(batchManifestKey(manifest.batch_id)),
        rows: Object.fromEntries(
          SILVER_TABLE_NAMES.map((t) => [t, manifest.tables[t].rows]),
        ) as BatchAnnouncement['rows'],
        quality_status: manifest.quality.status,
        rejected: 0,
        created_at: manifest.created_at,
      };
      await producer.send({
        topic,
        messages: [{ key: manifest.batch_id, value: JSON.stringify(announcement) }],
      });
    };
    const worker = startLoader(['worker'], {
      ...env,
      METRICS_PORT: '0',
      WAREHOUSE_LOADER_TOPIC: topic,
      WAREHOUSE_LOADER_GROUP_ID: groupId,
      WAREHOUSE_LOADER_SESSION_TIMEOUT: '6s',
      WAREHOUSE_LOADER_RUN_INTERVAL: '1s',
    });
    try {
      await publish(batch1());
      await worker.waitForLine(/applied 1 batch \(00000001\)/);
      await publish(batch2());
      await worker.waitForLine(/applied 1 batch \(00000002\)/);
      // Offsets are committed after the run: both announcements.
      await expect
        .poll(
          async () =>
            (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset,
          {
            timeout: 20_000,
          },
        )
        .toBe('2');
      // Published but never announced (a transformer killed in between): the timer applies it.
      await writeSilverBatch(store, {
        sequence: 3,
        tables: { fct_order_items: batch1().tables.fct_order_items! },
      });
      await worker.waitForLine(/applied 1 batch \(00000003\)/);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(await duckdbCounts(warehouse)).toEqual({ ...COUNTS_AFTER_BOTH, _lakestream_loads: 3 });
    } finally {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
      await admin.disconnect();
    }
  });
});
