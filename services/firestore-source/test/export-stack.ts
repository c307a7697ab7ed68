/**
 * The real services an export test runs against: the Firestore emulator, Kafka and a lake folder.
 * Each test file gets its own manifest topic, lake folder and Firestore projects, and removes
 * them afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Firestore } from '@google-cloud/firestore';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLocalStore, type ObjectStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { ExportContext } from '../src/export/export-run.js';

/** What a test may set beside the context: the config values tests vary. */
export type ContextExtra = Partial<ExportContext> & {
  subcollections?: boolean;
  pageSize?: number;
  loaderGroup?: string;
  waitTimeoutMs?: number;
};

export class ExportStack {
  readonly logger = createLogger({ service: 'export-test', level: 'fatal' });
  readonly suffix = randomUUID().slice(0, 8);
  readonly topic = `test.firestore-export.${this.suffix}.manifests`;
  readonly deadLetterTopic = `test.firestore-export.${this.suffix}.dead-letters`;
  readonly brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  lake = '';
  store!: ObjectStore;
  client!: Kafka;
  producer!: Producer;
  admin!: Admin;
  private readonly projects: string[] = [];
  private readonly clients: Firestore[] = [];

  /** Opens the lake folder and the Kafka clients, and creates the manifest and dead-letter topics. */
  async start(partitions: number): Promise<void> {
    this.lake = mkdtempSync(join(tmpdir(), 'export-test-'));
    this.store = createLocalStore(this.lake);
    const kafka = this.kafka();
    this.client = kafka;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.admin = kafka.admin();
    await this.producer.connect();
    await this.admin.connect();
    await ensureTopics(kafka, [
      { topic: this.topic, numPartitions: partitions },
      { topic: this.deadLetterTopic, numPartitions: 1 },
    ]);
  }

  /** Deletes the projects' documents, the topic and the lake folder; closes every client. */
  async stop(): Promise<void> {
    for (const id of this.projects) {
      await fetch(
        `http://${process.env.FIRESTORE_EMULATOR_HOST}/emulator/v1/projects/${id}/databases/(default)/documents`,
        { method: 'DELETE' },
      );
    }
    for (const db of this.clients) await db.terminate();
    await this.admin.deleteTopics({ topics: [this.topic, this.deadLetterTopic] }).catch(() => {});
    await this.producer.disconnect();
    await this.admin.disconnect();
    rmSync(this.lake, { recursive: true, force: true });
  }

  kafka() {
    return createKafka({ brokers: this.brokers, clientId: 'export-test', logger: this.logger });
  }

  /** A Firestore project of this file (its documents are deleted by `stop`). */
  project(name: string): { id: string; db: Firestore } {
    const id = `ls-export-${name}-${this.suffix}`;
    const db = new Firestore({ projectId: id, useBigInt: true });
    this.projects.push(id);
    this.clients.push(db);
    return { id, db };
  }

  /** A run of `collections` in one project, into this lake and topic, without the wait by default. */
  context(projectId: string, collections: string[], extra: ContextExtra = {}): ExportContext {
    const { subcollections, pageSize, loaderGroup, waitTimeoutMs, ...rest } = extra;
    return {
      config: {
        projects: [projectId],
        collections,
        subcollections: subcollections ?? false,
        pageSize: pageSize ?? 500,
        manifestTopic: this.topic,
        loaderGroup: loaderGroup ?? `test-loader-${randomUUID()}`,
        deadLetterTopic: this.deadLetterTopic,
        waitTimeoutMs: waitTimeoutMs ?? 5_000,
        maxAttempts: 3,
        retryBaseMs: 50,
      },
      store: this.store,
      kafka: this.client,
      producer: this.producer,
      admin: this.admin,
      logger: this.logger,
      noWait: true,
      ...rest,
    };
  }

  /** The rows of an export object. */
  async rows(key: string): Promise<Record<string, unknown>[]> {
    const text = gunzipSync(await this.store.get(key))
      .toString()
      .trimEnd();
    if (text === '') return [];
    return text.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Manifests published to the topic so far. */
  async manifestCount(): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    return offsets.reduce((n, p) => n + Number(p.high), 0);
  }

  /** Every message of the topic: per partition in offset order. */
  async messages(): Promise<{ key: string; value: string }[]> {
    const total = await this.manifestCount();
    if (total === 0) return [];
    const consumer = this.kafka().consumer({ groupId: `test-read-${randomUUID()}` });
    const seen: { key: string; value: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ key: String(message.key), value: String(message.value) });
          if (seen.length === total) resolve();
        },
      });
    });
    await consumer.disconnect();
    return seen;
  }
}
