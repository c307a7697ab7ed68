import { join } from 'node:path';
import { createKafka } from '@lakestream/kafka';
import { createLocalStore } from '@lakestream/object-store';
import { afterEach, describe, expect, it } from 'vitest';
import { col, DbSource } from './support/db-source.js';
import { startLoader } from './support/loader-process.js';
import { queryDuckdb, silentLogger, TestBed } from './support/test-bed.js';

const FAULT = 'warehouse-loader.db-after-apply';

describe('a db worker killed between applying a batch and committing its offset', () => {
  const bed = new TestBed();
  const teardown: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of teardown.splice(0).reverse()) await fn().catch(() => {});
    await bed.cleanup();
  });

  it('the restart finds the batch recorded, applies nothing twice, and confirms it', async () => {
    const dir = await bed.folder();
    const store = createLocalStore(join(dir, 'lake'));
    const kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'warehouse-loader-db-crash-test',
      logger: silentLogger,
    });
    const source = new DbSource(kafka, store);
    await source.start();
    teardown.push(() => source.stop());
    const env = {
      LAKESTREAM_HOME: dir,
      WAREHOUSE_LOADER_DB_BATCHES_TOPIC: source.batchesTopic,
      WAREHOUSE_LOADER_DB_APPLIED_TOPIC: source.appliedTopic,
      WAREHOUSE_LOADER_BRONZE_FILES_TOPIC: source.bronzeFilesTopic,
      WAREHOUSE_LOADER_DB_GROUP_ID: `test-loader-db-crash-${bed.id}`,
      METRICS_PORT: '0',
      WAREHOUSE_LOADER_SESSION_TIMEOUT: '6s',
    };
    const spec = {
      table: 'accounts',
      columns: [col('id', 'int(11)', 1), col('balance', 'decimal(12,2)', 2)],
      primaryKey: ['id'],
    };
    await source.run('a-1', { ...spec, write: 'replace', rows: [{ id: 1, balance: '10.00' }] });
    await source.run('a-2', {
      ...spec,
      write: 'merge',
      rows: [
        { id: 1, balance: '11.00' },
        { id: 2, balance: '20.00' },
      ],
    });

    // Batch 1 applies and commits; the process dies right after batch 2's COMMIT, before its
    // confirmation and offset commit.
    const crashed = startLoader(['db-worker'], { ...env, LAKESTREAM_FAULT_POINTS: `${FAULT}@2` });
    expect(await crashed.exited).toBeNull();
    expect(crashed.child.signalCode).toBe('SIGKILL');
    expect(crashed.stderr()).toContain(`fault point ${FAULT}`);
    expect(source.confirmations.map((c) => c.run_id)).toEqual(['a-1']);

    const restarted = startLoader(['db-worker'], env);
    teardown.push(async () => {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    });
    await expect
      .poll(() => source.confirmations.map((c) => c.run_id), { timeout: 60_000, interval: 200 })
      .toEqual(['a-1', 'a-2']);
    const warehouse = join(dir, 'warehouse.duckdb');
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    const schema = `src_${source.database}`;
    expect(
      await queryDuckdb(
        warehouse,
        `SELECT id, balance::VARCHAR AS balance, _ls_run_id AS run FROM ${schema}.accounts ORDER BY id`,
      ),
    ).toEqual([
      { id: 1, balance: '11.00', run: 'a-2' },
      { id: 2, balance: '20.00', run: 'a-2' },
    ]);
    expect(
      await queryDuckdb(
        warehouse,
        `SELECT run_id, announcement_offset::INTEGER AS o FROM ${schema}._ls_sync_batches ORDER BY o`,
      ),
    ).toEqual([
      { run_id: 'a-1', o: 0 },
      { run_id: 'a-2', o: 1 },
    ]);
  });
});
