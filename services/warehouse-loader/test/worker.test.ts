import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka, readTopicToEnd } from '@lakestream/kafka';
import type { ObjectStore } from '@lakestream/object-store';
import {
  type BatchAnnouncement,
  batchManifestKey,
  SILVER_TABLE_NAMES,
  SilverAppliedSchema,
} from '@lakestream/silver';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { LoaderError } from '../src/errors.js';
import { createLoader } from '../src/loader.js';
import type { WarehouseTarget } from '../src/target.js';
import { createWorker, type Worker } from '../src/worker.js';
import { batch1 } from './support/scenario.js';
import { type SilverBatchSpec, writeSilverBatch } from './support/silver-writer.js';
import { duckdbCounts, silentLogger, TestBed } from './support/test-bed.js';

/** The worker's unasked-run interval in these tests. */
const RUN_INTERVAL_MS = 1_000;
/** How long a batch may take to show up: a few intervals, plus start-up and a busy machine. */
const APPLIED_WITHIN_MS = 10 * RUN_INTERVAL_MS + 20_000;

/**
 * A real DuckDB target behind a thin fault switch: while `failing`, applying a batch fails the way
 * a DuckDB file held by another process does after the retries. It also counts the opens, and
 * how many runs had the warehouse open at once.
 */
function switchableTarget(target: WarehouseTarget) {
  const state = { failing: false, open: 0, maxOpen: 0, opens: 0 };
  const wrapped: WarehouseTarget = {
    kind: target.kind,
    description: target.description,
    async open() {
      state.opens++;
      state.maxOpen = Math.max(state.maxOpen, ++state.open);
      await target.open();
    },
    applied: () => target.applied(),
    async apply(batch) {
      if (state.failing) {
        throw new LoaderError('LS_LOADER_WAREHOUSE_UNAVAILABLE', 'the DuckDB file is in use', {
          retryable: true,
        });
      }
      await target.apply(batch);
    },
    async close() {
      state.open--;
      await target.close();
    },
  };
  return { state, target: wrapped };
}

describe('worker', () => {
  const bed = new TestBed();
  const teardown: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of teardown.splice(0).reverse()) await fn().catch(() => {});
    await bed.cleanup();
  });

  /** A worker on its own topics and group; `published` is in the lake before it starts. */
  async function setUp({ published }: { published?: SilverBatchSpec } = {}) {
    const store = await bed.localStore();
    if (published) await writeSilverBatch(store, published);
    const { target: duckdb, path } = await bed.duckdbLoader(store);
    const { state, target } = switchableTarget(duckdb);
    const loader = createLoader({ store, target, logger: silentLogger, retry: { retries: 0 } });
    const kafka: Kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'warehouse-loader-worker-test',
      logger: silentLogger,
    });
    const topic = `test-silver-batches-${randomUUID()}`;
    const appliedTopic = `test-silver-applied-${randomUUID()}`;
    const groupId = `test-warehouse-loader-${randomUUID()}`;
    const admin: Admin = kafka.admin();
    await admin.connect();
    teardown.push(() => admin.disconnect());
    teardown.push(() => admin.deleteGroups([groupId]));
    teardown.push(() => admin.deleteTopics({ topics: [topic, appliedTopic] }));
    const producer: Producer = kafka.producer();
    await producer.connect();
    teardown.push(() => producer.disconnect());
    const worker: Worker = createWorker({
      kafka,
      loader,
      topic,
      appliedTopic,
      groupId,
      sessionTimeoutMs: 6_000,
      runIntervalMs: RUN_INTERVAL_MS,
      logger: silentLogger,
    });
    teardown.push(async () => {
      worker.stopIntake();
      await worker.flush();
      await worker.close();
    });
    await worker.start();
    // In the group, and the start-up run (nothing published yet) succeeded.
    await expect.poll(() => ready(worker), { timeout: APPLIED_WITHIN_MS }).toBe('ready');
    const announce = (spec: SilverBatchSpec) => publish(store, producer, topic, spec);
    /** The confirmations published so far. */
    const confirmations = async () =>
      (
        await readTopicToEnd(kafka, appliedTopic, {
          groupIdPrefix: 'test-applied',
          timeoutMs: 20_000,
        })
      ).map((r) => SilverAppliedSchema.parse(JSON.parse(r.value!.toString())));
    return { store, path, state, worker, announce, confirmations };
  }

  it('confirms each applied batch on the applied topic once it is in the warehouse', async () => {
    const { path, announce, confirmations } = await setUp();
    await announce(batch1());
    await expect
      .poll(async () => (await confirmations()).map((c) => c.batch_id), {
        timeout: APPLIED_WITHIN_MS,
      })
      .toEqual(['00000001']);
    const [confirmation] = await confirmations();
    expect(confirmation).toMatchObject({ version: 1, target: 'duckdb' });
    expect(confirmation!.target_name).toContain(path);
    // The batch's row counts, as the warehouse holds them.
    const counts = await duckdbCounts(path);
    expect(counts._lakestream_loads).toBe(1);
    expect(confirmation!.rows.fct_order_items).toBe(counts.fct_order_items);
    expect(confirmation!.rows.fct_order_items).toBeGreaterThan(0);
  });

  it('confirms what its start-up run applied, whether or not Kafka answered first', async () => {
    const { confirmations } = await setUp({ published: batch1() });
    await expect
      .poll(async () => (await confirmations()).map((c) => c.batch_id), {
        timeout: APPLIED_WITHIN_MS,
      })
      .toEqual(['00000001']);
  });

  it('applies a batch whose announcement was lost within one interval, and leaves the warehouse alone while the lake is unchanged', async () => {
    const { store, path, state } = await setUp();
    // Published, never announced (the transformer was killed between manifest and announcement).
    await writeSilverBatch(store, batch1());
    await expect
      .poll(async () => (await duckdbCounts(path))._lakestream_loads, {
        timeout: APPLIED_WITHIN_MS,
      })
      .toBe(1);
    // Idle intervals do not open the DuckDB file (dbt and the dashboard need it).
    const opens = state.opens;
    await sleep(4 * RUN_INTERVAL_MS);
    expect(state.opens).toBe(opens);
    expect(state.maxOpen).toBe(1);
  });

  it('after a failed run: not ready, then the timer applies the batch and it is ready again', async () => {
    const { path, state, worker, announce } = await setUp();
    state.failing = true;
    await announce(batch1());
    await expect
      .poll(() => ready(worker), { timeout: APPLIED_WITHIN_MS })
      .toMatch(/^the last run failed: .*in use/);
    // The warehouse is free again; no new announcement comes.
    state.failing = false;
    await expect
      .poll(async () => (await duckdbCounts(path))._lakestream_loads, {
        timeout: APPLIED_WITHIN_MS,
      })
      .toBe(1);
    await expect.poll(() => ready(worker), { timeout: APPLIED_WITHIN_MS }).toBe('ready');
    // Timer, announcement and start-up runs never had the warehouse open side by side.
    expect(state.maxOpen).toBe(1);
  });
});

/** `ready`, or why `checkReady` says the worker is not. */
function ready(worker: Worker): string {
  try {
    worker.checkReady();
    return 'ready';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Writes a batch into the lake and announces it, as the transformer does. */
async function publish(
  store: ObjectStore,
  producer: Producer,
  topic: string,
  spec: SilverBatchSpec,
): Promise<void> {
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
}
