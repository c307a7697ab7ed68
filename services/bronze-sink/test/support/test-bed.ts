import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import {
  hourPartition,
  parseBronzeObjectKey,
  type WrittenBronzeManifest,
  WrittenBronzeManifestSchema,
} from '@lakestream/lake';
import {
  createGcsStore,
  createLocalStore,
  createStorageClient,
  listAll,
  type ObjectStore,
} from '@lakestream/object-store';
import { createLogger, createMetrics, type LakestreamMetrics } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { expect } from 'vitest';
import {
  type BronzeRecord,
  type BronzeSink,
  type BronzeSinkSettings,
  createBronzeSink,
} from '../../src/index.js';

/** A logger that writes nothing (set TEST_LOG_LEVEL=debug to see the sink's logs). */
export const testLogger = createLogger({
  service: 'bronze-sink-test',
  level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
});

export function testKafka(clientId = 'bronze-sink-test'): Kafka {
  return createKafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId,
    logger: testLogger,
  });
}

/** One message the test produced, as the bronze record should show it. */
export interface SentMessage {
  partition: number;
  offset: number;
  key: string;
  value: unknown;
  timestampMs: number;
}

/** An order-item-like JSON value of roughly `size` bytes. */
export function orderItem(i: number, size = 300): Record<string, unknown> {
  const base = {
    order_item_id: i,
    order_id: Math.floor(i / 3),
    product_name: 'Field & Stream Sportsman 16 Gun Fire Safe',
    order_city: i % 2 === 0 ? 'Caguas' : 'México',
    sales: 327.75 + (i % 10),
    order_item_discount_rate: 0.04,
    order_status: 'COMPLETE',
    shipping_mode: 'Standard Class',
  };
  const pad = Math.max(0, size - JSON.stringify(base).length - 12);
  return { ...base, note: 'x'.repeat(pad) };
}

/**
 * Everything one test creates – topics, a consumer group name, folders, buckets – and the
 * clean-up removing it all.
 */
export class TestBed {
  readonly kafka = testKafka();
  readonly id = randomUUID().slice(0, 8);
  readonly groupId = `test-bronze-${randomUUID()}`;
  readonly manifestTopic = `test-bronze-manifests-${randomUUID()}`;
  private readonly topics: string[] = [this.manifestTopic];
  private readonly cleanups: (() => Promise<void>)[] = [];

  async createTopic(partitions = 3): Promise<string> {
    const topic = `test-bronze-${randomUUID()}`;
    // The records carry 2018 timestamps: with the default 7-day retention the broker would delete
    // them as soon as a segment rolls, under the consumers' feet.
    await ensureTopics(this.kafka, [
      { topic, numPartitions: partitions, configEntries: { 'retention.ms': '-1' } },
    ]);
    this.topics.push(topic);
    return topic;
  }

  /** A fresh local folder store. */
  async localStore(): Promise<{ store: ObjectStore; url: string }> {
    const root = await mkdtemp(join(tmpdir(), 'bronze-sink-test-'));
    this.cleanups.push(() => rm(root, { recursive: true, force: true }));
    return { store: createLocalStore(root), url: root };
  }

  /** A fresh fake-gcs-server bucket, objects under a prefix. */
  async gcsStore(): Promise<{ store: ObjectStore; url: string }> {
    const emulatorHost = process.env.STORAGE_EMULATOR_HOST!;
    const storage = createStorageClient({ emulatorHost });
    const bucket = `ls-bronze-${randomUUID()}`;
    await storage.bucket(bucket).create();
    this.cleanups.push(async () => {
      await storage.bucket(bucket).deleteFiles({ force: true });
      await storage.bucket(bucket).delete();
    });
    return {
      store: createGcsStore({ bucket, prefix: 'lake', emulatorHost }),
      url: `gs://${bucket}/lake`,
    };
  }

  /** Settings for an in-process sink of this bed: small limits, short timeouts. */
  settings(topics: string[], overrides: Partial<BronzeSinkSettings> = {}): BronzeSinkSettings {
    return {
      topics,
      groupId: this.groupId,
      manifestTopic: this.manifestTopic,
      instanceId: `test-${this.id}`,
      maxRecords: 400,
      maxBytes: 1_048_576,
      idleFlushMs: 500,
      maxBufferAgeMs: 60_000,
      gzipLevel: 1,
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      transactionTimeoutMs: 30_000,
      fetchMaxBytesPerPartition: 1_048_576,
      fetchMaxWaitMs: 200,
      ...overrides,
    };
  }

  /** Starts a sink in this process; the clean-up closes it. */
  async startSink(
    store: ObjectStore,
    settings: BronzeSinkSettings,
    metrics: LakestreamMetrics = createMetrics({
      service: 'bronze-sink-test',
      defaultMetrics: false,
    }),
  ): Promise<BronzeSink> {
    const sink = createBronzeSink({
      settings,
      kafka: testKafka(settings.instanceId),
      store,
      logger: testLogger,
      metrics,
    });
    this.cleanups.push(() => sink.close());
    await sink.start();
    return sink;
  }

  /** The environment a child sink process needs, on top of PATH and friends. */
  sinkEnv(
    topics: string[],
    storageUrl: string,
    extra: Record<string, string> = {},
  ): Record<string, string> {
    return {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      STORAGE_EMULATOR_HOST: process.env.STORAGE_EMULATOR_HOST ?? '',
      LOG_LEVEL: process.env.TEST_SINK_LOG_LEVEL ?? 'info',
      METRICS_PORT: '0',
      SHUTDOWN_GRACE: '15s',
      BRONZE_SINK_TOPICS: topics.join(','),
      BRONZE_SINK_GROUP_ID: this.groupId,
      BRONZE_SINK_MANIFEST_TOPIC: this.manifestTopic,
      BRONZE_SINK_STORAGE_URL: storageUrl,
      BRONZE_SINK_MAX_RECORDS: '500',
      BRONZE_SINK_IDLE_FLUSH: '300ms',
      BRONZE_SINK_GZIP_LEVEL: '1',
      BRONZE_SINK_SESSION_TIMEOUT: '6s',
      BRONZE_SINK_REBALANCE_TIMEOUT: '6s',
      BRONZE_SINK_HEARTBEAT_INTERVAL: '1s',
      BRONZE_SINK_FETCH_MAX_WAIT: '200ms',
      ...extra,
    };
  }

  /**
   * Produces `count` JSON messages round-robin over `partitions` partitions, with Kafka timestamps
   * from `startMs` spread evenly over `spanMs` (so records cross hour boundaries), in sends of
   * `chunk`, pausing `pauseMs` between sends. Offsets are known because the topic is fresh and
   * this is its only producer.
   */
  async produce(
    topic: string,
    options: {
      count: number;
      partitions?: number;
      startMs?: number;
      spanMs?: number;
      chunk?: number;
      pauseMs?: number;
      valueSize?: number;
      firstIndex?: number;
      sent?: Map<number, SentMessage[]>;
      stop?: () => boolean;
    },
  ): Promise<Map<number, SentMessage[]>> {
    const partitions = options.partitions ?? 3;
    const startMs = options.startMs ?? Date.UTC(2018, 0, 31, 21, 30);
    const spanMs = options.spanMs ?? 5 * 3_600_000;
    const chunk = options.chunk ?? 1_000;
    const first = options.firstIndex ?? 0;
    const sent = options.sent ?? new Map<number, SentMessage[]>();
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let from = first; from < first + options.count; from += chunk) {
        if (options.stop?.()) break;
        const messages = [];
        for (let i = from; i < Math.min(first + options.count, from + chunk); i++) {
          const partition = i % partitions;
          const timestampMs =
            startMs + Math.floor((i * spanMs) / Math.max(1, first + options.count));
          const list = sent.get(partition) ?? [];
          sent.set(partition, list);
          const value = orderItem(i, options.valueSize);
          list.push({ partition, offset: list.length, key: `order-${i}`, value, timestampMs });
          messages.push({
            partition,
            key: `order-${i}`,
            value: JSON.stringify(value),
            timestamp: String(timestampMs),
            headers: { source: 'test' },
          });
        }
        await producer.send({ topic, acks: -1, messages });
        if (options.pauseMs) await sleep(options.pauseMs);
      }
    } finally {
      await producer.disconnect();
    }
    return sent;
  }

  /** The group's committed offsets on `topic`, by partition (-1: none). */
  async committed(topic: string): Promise<Map<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** Waits until the group has committed every message sent. */
  async waitCommitted(
    topic: string,
    sent: Map<number, SentMessage[]>,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const committed = await this.committed(topic);
      const done = [...sent].every(([p, list]) => (committed.get(p) ?? -1) >= list.length);
      if (done) return;
      if (Date.now() > deadline) {
        const want = [...sent].map(([p, l]) => `${p}:${l.length}`).join(' ');
        const got = [...committed].map(([p, o]) => `${p}:${o}`).join(' ');
        throw new Error(`not all committed after ${timeoutMs} ms: want ${want}, got ${got}`);
      }
      await sleep(250);
    }
  }

  /**
   * Every committed manifest, read with isolation read_committed up to the end of the manifest
   * topic (call once the sinks are stopped, so no transaction is open).
   */
  async readManifests(): Promise<WrittenBronzeManifest[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(this.manifestTopic);
    await admin.disconnect();
    const remaining = new Map(
      ends.filter((e) => Number(e.high) > 0).map((e) => [e.partition, Number(e.high)]),
    );
    const manifests: WrittenBronzeManifest[] = [];
    if (remaining.size === 0) return manifests;
    const consumer = this.kafka.consumer({
      groupId: `test-reader-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.manifestTopic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      // END_BATCH_PROCESS also reports batches made only of transaction markers.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const high = remaining.get(payload.partition);
        if (high !== undefined && Number(payload.lastOffset) + 1 >= high)
          remaining.delete(payload.partition);
        if (remaining.size === 0) resolve();
      });
    });
    // Keyed by position in the manifest topic: should kafkajs deliver a message again (it re-reads
    // from the start if this throwaway group rejoins), that is not a second manifest; a duplicate
    // announced by the sink is another message, at another offset, and still counts twice.
    const byPosition = new Map<string, WrittenBronzeManifest>();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        byPosition.set(
          `${partition}:${message.offset}`,
          // What the sink writes must be the lake's contract, every field of it.
          WrittenBronzeManifestSchema.parse(JSON.parse(message.value!.toString())),
        );
      },
    });
    await Promise.race([
      done,
      sleep(30_000).then(() => {
        throw new Error('manifest topic not read to its end in 30 s');
      }),
    ]);
    await consumer.disconnect();
    manifests.push(...byPosition.values());
    return manifests;
  }

  async cleanup(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => {});
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: this.topics }).catch(() => {});
    await admin.deleteGroups([this.groupId]).catch(() => {});
    await admin.disconnect();
  }
}

/** The records of one bronze object. */
export async function readObject(store: ObjectStore, key: string): Promise<BronzeRecord[]> {
  const text = gunzipSync(await store.get(key)).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as BronzeRecord);
}

/** What `verifyExactlyOnce` found. */
export interface Verified {
  objects: number;
  records: number;
  hours: Set<string>;
}

/**
 * The promise of the sink, checked from the outside: per partition, the committed manifests cover
 * every sent offset exactly once, in contiguous non-overlapping ranges; each object, read back,
 * holds exactly its manifest's records, in offset order, all of one hour partition (the one in its
 * key, from the records' own timestamps), with the sent keys, values and timestamps; and no other
 * object of the topic exists in the store (no leftover outside the manifests).
 */
export async function verifyExactlyOnce(
  store: ObjectStore,
  topic: string,
  manifests: WrittenBronzeManifest[],
  sent: Map<number, SentMessage[]>,
): Promise<Verified> {
  const mine = manifests.filter((m) => m.topic === topic);
  const hours = new Set<string>();
  let records = 0;
  for (const [partition, messages] of sent) {
    const list = mine
      .filter((m) => m.partition === partition)
      .sort((a, b) => a.first_offset - b.first_offset);
    expect(list.length, `partition ${partition} has manifests`).toBeGreaterThan(0);
    let expected = 0;
    for (const manifest of list) {
      expect(manifest.first_offset, `partition ${partition}: no gap, no overlap`).toBe(expected);
      // What readers check: each object was read from where the one before it ended.
      expect(manifest.start_offset, `partition ${partition}: start_offset`).toBe(expected);
      expected = manifest.last_offset + 1;
      expect(manifest.next_offset, `partition ${partition}: next_offset`).toBe(expected);
    }
    expect(expected, `partition ${partition}: every offset`).toBe(messages.length);

    for (const manifest of list) {
      const parsed = parseBronzeObjectKey(manifest.key);
      expect(parsed).toMatchObject({ topic, partition, startOffset: manifest.first_offset });
      expect(manifest.uri).toBe(store.uri(manifest.key));
      const body = await store.get(manifest.key);
      expect(manifest.bytes).toBe(body.length);
      const lines = await readObject(store, manifest.key);
      expect(lines.map((l) => l.offset)).toEqual(
        Array.from(
          { length: manifest.last_offset - manifest.first_offset + 1 },
          (_, i) => manifest.first_offset + i,
        ),
      );
      expect(manifest.record_count).toBe(lines.length);
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const line of lines) {
        const original = messages[line.offset]!;
        const ts = Date.parse(line.timestamp);
        expect(ts).toBe(original.timestampMs);
        expect(hourPartition(ts)).toEqual({ dt: parsed!.dt, hour: parsed!.hour });
        expect(line).toMatchObject({
          topic,
          partition,
          key: original.key,
          value_encoding: 'json',
          headers: { source: 'test' },
        });
        expect(line.value).toEqual(original.value);
        min = Math.min(min, ts);
        max = Math.max(max, ts);
      }
      expect(manifest.min_record_time).toBe(new Date(min).toISOString());
      expect(manifest.max_record_time).toBe(new Date(max).toISOString());
      hours.add(`${parsed!.dt}/${parsed!.hour}`);
      records += lines.length;
    }
  }
  const stored = (await listAll(store, `bronze/${topic}/`)).map((o) => o.key).sort();
  expect(stored, 'every stored object is named by a manifest, and vice versa').toEqual(
    [...new Set(mine.map((m) => m.key))].sort(),
  );
  expect(mine.length, 'no manifest announced twice').toBe(new Set(mine.map((m) => m.key)).size);
  return { objects: mine.length, records, hours };
}
