import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { type BronzeManifest, bronzeManifestKey } from '@lakestream/lake';
import {
  createGcsStore,
  createLocalStore,
  createStorageClient,
  type ObjectStore,
} from '@lakestream/object-store';
import { createLogger, createMetrics } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import {
  createAnnouncer,
  createTransformer,
  type DuckdbSession,
  type Transformer,
  type TransformerMetrics,
  type TransformerSettings,
  withTransformerMetrics,
} from '../../src/index.js';

/** A logger that writes nothing (set TEST_LOG_LEVEL=debug to see the transformer's logs). */
export const testLogger = createLogger({
  service: 'transformer-test',
  level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
});

export function testKafka(clientId = 'transformer-test'): Kafka {
  return createKafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId,
    logger: testLogger,
  });
}

export function testMetrics(): TransformerMetrics {
  return withTransformerMetrics(
    createMetrics({ service: 'transformer-test', defaultMetrics: false }),
  );
}

function manifestMessage(manifest: BronzeManifest): { key: string; value: string } {
  return {
    key: bronzeManifestKey(manifest.topic, manifest.partition),
    value: JSON.stringify(manifest),
  };
}

/** A store the test bed made, with what a transformer needs to know of it. */
export interface TestStore {
  store: ObjectStore;
  url: string;
  /** Set for a local folder. */
  localRoot?: string;
}

/**
 * Everything one test creates – topics, groups, folders, buckets – and the clean-up removing it.
 * The bronze topic is a per-test name (objects carry it in their keys); it also exists in Kafka,
 * so that a bronze-sink group can have offsets committed on it.
 */
export class TestBed {
  readonly kafka = testKafka();
  readonly id = randomUUID().slice(0, 8);
  readonly sourceTopic = `test-transformer-items-${randomUUID().slice(0, 8)}`;
  readonly manifestTopic = `test-transformer-manifests-${randomUUID()}`;
  readonly announceTopic = `test-transformer-batches-${randomUUID()}`;
  readonly bronzeGroupId = `test-transformer-bronze-${randomUUID()}`;
  readonly groupId = `test-transformer-${randomUUID()}`;
  private readonly topics: string[] = [this.sourceTopic, this.manifestTopic, this.announceTopic];
  private readonly groups: string[] = [this.bronzeGroupId, this.groupId];
  private readonly cleanups: (() => Promise<void>)[] = [];

  /** Creates the source and manifest topics. */
  async createTopics(partitions = 3): Promise<void> {
    await ensureTopics(this.kafka, [
      { topic: this.sourceTopic, numPartitions: partitions },
      { topic: this.manifestTopic, numPartitions: 3 },
    ]);
  }

  /** A fresh local folder store. */
  async localStore(): Promise<TestStore> {
    const root = await mkdtemp(join(tmpdir(), 'transformer-test-'));
    this.cleanups.push(() => rm(root, { recursive: true, force: true }));
    return { store: createLocalStore(root), url: root, localRoot: root };
  }

  /** A fresh scratch folder. */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'transformer-work-'));
    this.cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /** A fresh fake-gcs-server bucket, objects under a prefix. */
  async gcsStore(): Promise<TestStore> {
    const emulatorHost = process.env.STORAGE_EMULATOR_HOST!;
    const storage = createStorageClient({ emulatorHost });
    const bucket = `ls-transformer-${randomUUID()}`;
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

  /** Produces manifests (keyed `<topic>+<partition>` like the sink; not transactional). */
  async produceManifests(manifests: readonly BronzeManifest[]): Promise<void> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({
        topic: this.manifestTopic,
        acks: -1,
        messages: manifests.map(manifestMessage),
      });
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * Produces each manifest in a Kafka transaction of its own, as the sink does, committing it or –
   * when `abort` says so – aborting it (a read_committed reader never sees that one).
   */
  async produceManifestsTransactionally(
    manifests: readonly BronzeManifest[],
    abort: (manifest: BronzeManifest) => boolean = () => false,
  ): Promise<void> {
    const producer = this.kafka.producer({
      transactionalId: `${this.bronzeGroupId}.manifests`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      for (const manifest of manifests) {
        const transaction = await producer.transaction();
        await transaction.send({
          topic: this.manifestTopic,
          acks: -1,
          messages: [manifestMessage(manifest)],
        });
        if (abort(manifest)) await transaction.abort();
        else await transaction.commit();
      }
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * Commits offsets for the bronze-sink group on the source topic as the sink does: in a Kafka
   * transaction (`sendOffsets`), which needs no member of the group (admin.setOffsets would join
   * the group first, which takes seconds).
   */
  async commitBronzeOffsets(offsets: ReadonlyMap<number, number>): Promise<void> {
    const producer = this.kafka.producer({
      transactionalId: `${this.bronzeGroupId}.offsets`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.sendOffsets({
        consumerGroupId: this.bronzeGroupId,
        topics: [
          {
            topic: this.sourceTopic,
            partitions: [...offsets].map(([partition, offset]) => ({
              partition,
              offset: String(offset),
            })),
          },
        ],
      });
      await transaction.commit();
    } finally {
      await producer.disconnect();
    }
  }

  /** Settings of a transformer of this bed. */
  async settings(overrides: Partial<TransformerSettings> = {}): Promise<TransformerSettings> {
    return {
      sourceTopic: this.sourceTopic,
      manifestTopic: this.manifestTopic,
      bronzeGroupId: this.bronzeGroupId,
      discover: 'manifests',
      discoveryTimeoutMs: 30_000,
      workDir: await this.tempDir(),
      kafkaClientId: `transformer-test-${this.id}`,
      duckdb: { threads: 2 },
      ...overrides,
    };
  }

  /** A transformer over `store`, announcing on this bed's topic. */
  async transformer(
    target: TestStore,
    overrides: Partial<TransformerSettings> = {},
    extra: {
      afterBuild?: (session: DuckdbSession) => Promise<void>;
      metrics?: TransformerMetrics;
    } = {},
  ): Promise<Transformer> {
    const metrics = extra.metrics ?? testMetrics();
    const announcer = createAnnouncer({
      kafka: this.kafka,
      topic: this.announceTopic,
      logger: testLogger,
      metrics,
      retries: 1,
      baseMs: 100,
    });
    this.cleanups.push(() => announcer.close());
    return createTransformer({
      settings: await this.settings(overrides),
      store: target.store,
      localRoot: target.localRoot,
      kafka: this.kafka,
      announcer,
      logger: testLogger,
      metrics,
      ...(extra.afterBuild === undefined ? {} : { afterBuild: extra.afterBuild }),
    });
  }

  /** The announcements on this bed's topic, in order. */
  async readAnnouncements(expected: number): Promise<{ key: string; value: unknown }[]> {
    const groupId = `test-reader-${randomUUID()}`;
    this.groups.push(groupId);
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const seen: { key: string; value: unknown }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.announceTopic, fromBeginning: true });
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${seen.length} announcements`)),
          20_000,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push({
              key: message.key!.toString(),
              value: JSON.parse(message.value!.toString()),
            });
            if (seen.length >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await done;
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  /** Registers a clean-up step. */
  onCleanup(step: () => Promise<void>): void {
    this.cleanups.push(step);
  }

  async cleanup(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => {});
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: this.topics }).catch(() => {});
    await admin.deleteGroups(this.groups).catch(() => {});
    await admin.disconnect();
  }
}
