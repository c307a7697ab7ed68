/**
 * Stands for db-sync and the database tables' bronze sink in tests: produces DbRowRecords to a
 * real table topic, writes the bronze objects (gzip JSON lines in the bronze sink's line format)
 * and their manifests (the lake's contract) exactly as the sink does, and announces batches.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { dbTableTopicSpec, ensureTopics } from '@lakestream/kafka';
import {
  bronzeManifestKey,
  bronzeObjectKey,
  DB_SYNC_VERSION,
  type DbColumn,
  type DbRowRecord,
  type DbSyncApplied,
  DbSyncAppliedSchema,
  type DbSyncBatch,
  dbSyncKey,
  dbValueKind,
  type WrittenBronzeManifest,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import type { Consumer, Kafka, Producer } from 'kafkajs';

/** A column as `name type` in MariaDB's spelling (`id int(11)`, `price decimal(12,2)`). */
export function col(name: string, columnType: string, position: number): DbColumn {
  const dataType = /^[a-z]+/.exec(columnType)![0];
  return {
    name,
    position,
    data_type: dataType,
    column_type: columnType,
    kind: dbValueKind(dataType)!,
    nullable: true,
  };
}

/** What one sync run of a table publishes. */
export interface RunSpec {
  table: string;
  columns: DbColumn[];
  primaryKey: string[];
  write: DbSyncBatch['write'];
  rows?: Record<string, unknown>[];
  /** Reconcile: the source's keys, in ranges (one `keys` record each). */
  keyRanges?: unknown[][][];
  attempt?: number;
}

/** The topics and clients of one test's database source. */
export class DbSource {
  readonly database = `shop_${randomUUID().slice(0, 8)}`;
  readonly batchesTopic = `test-db-batches-${randomUUID()}`;
  readonly appliedTopic = `test-db-applied-${randomUUID()}`;
  readonly bronzeFilesTopic = `test-bronze-files-${randomUUID()}`;
  /** Each (topic, partition)'s next offset after the last object written (the sink's start_offset). */
  private readonly nextOffset = new Map<string, number>();
  readonly confirmations: DbSyncApplied[] = [];
  private producer!: Producer;
  private consumer!: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: ObjectStore,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    await ensureTopics(this.kafka, [
      { topic: this.batchesTopic, numPartitions: 1, configEntries: {} },
      { topic: this.appliedTopic, numPartitions: 1, configEntries: {} },
      { topic: this.bronzeFilesTopic, numPartitions: 3, configEntries: {} },
    ]);
    this.consumer = this.kafka.consumer({ groupId: `test-applied-${randomUUID()}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.appliedTopic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        this.confirmations.push(DbSyncAppliedSchema.parse(JSON.parse(String(message.value))));
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter(
      (t) =>
        [this.batchesTopic, this.appliedTopic, this.bronzeFilesTopic].includes(t) ||
        t.startsWith(`lakestream.db.${this.database}.`),
    );
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  }

  /**
   * Publishes a run's records to the table topic; `land()` then writes their bronze objects and
   * manifests (call it later to make a batch wait for the bronze sink).
   */
  async publish(
    runId: string,
    spec: RunSpec,
  ): Promise<{ batch: DbSyncBatch; land: () => Promise<void> }> {
    const { topic, ...topicConfig } = dbTableTopicSpec(this.database, spec.table);
    await ensureTopics(this.kafka, [{ topic, ...topicConfig }]);
    const attempt = spec.attempt ?? 1;
    const columnTypes = Object.fromEntries(spec.columns.map((c) => [c.name, c.column_type]));
    const base = {
      version: DB_SYNC_VERSION,
      run_id: runId,
      attempt,
      database: this.database,
      table: spec.table,
      columns: columnTypes,
    };
    const records: { key: string; value: DbRowRecord }[] =
      spec.write === 'reconcile'
        ? (spec.keyRanges ?? []).map((keys) => ({
            key: `keys:${JSON.stringify(keys[0] ?? [])}`,
            value: { ...base, op: 'keys', keys },
          }))
        : (spec.rows ?? []).map((row) => ({
            key:
              spec.primaryKey.length > 0
                ? JSON.stringify(spec.primaryKey.map((k) => row[k]))
                : `hash:${JSON.stringify(row)}`,
            value: {
              ...base,
              op: ({ replace: 'replace', merge: 'upsert', append: 'append' } as const)[
                spec.write as 'replace'
              ],
              row,
            },
          }));
    const byPartition = new Map<number, typeof records>();
    for (const r of records) {
      const p = [...r.key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 3, 0);
      byPartition.set(p, [...(byPartition.get(p) ?? []), r]);
    }
    const ranges: DbSyncBatch['ranges'] = [];
    const objects: { partition: number; first: number; lines: string[]; timestamp: number }[] = [];
    for (const [partition, list] of [...byPartition].sort((a, b) => a[0] - b[0])) {
      const timestamp = Date.now();
      const [meta] = await this.producer.send({
        topic,
        acks: -1,
        messages: list.map((r) => ({
          partition,
          key: r.key,
          value: JSON.stringify(r.value),
          timestamp: String(timestamp),
        })),
      });
      const first = Number(meta!.baseOffset);
      ranges.push({ partition, start_offset: first, end_offset: first + list.length });
      objects.push({
        partition,
        first,
        timestamp,
        lines: list.map((r, i) =>
          JSON.stringify({
            topic,
            partition,
            offset: first + i,
            timestamp: new Date(timestamp).toISOString(),
            key: r.key,
            headers: {},
            value_encoding: 'json',
            value: r.value,
          }),
        ),
      });
    }
    const batch: DbSyncBatch = {
      version: DB_SYNC_VERSION,
      run_id: runId,
      attempt,
      database: this.database,
      table: spec.table,
      topic,
      mode:
        spec.write === 'reconcile'
          ? 'reconcile'
          : spec.write === 'replace'
            ? 'full'
            : 'incremental',
      write: spec.write,
      primary_key: spec.primaryKey,
      cursor_column: null,
      columns: spec.columns,
      ranges,
      records: records.length,
      rows: spec.write === 'reconcile' ? (spec.keyRanges ?? []).flat().length : records.length,
      watermark_from: null,
      watermark_to: null,
      safe_window_seconds: 300,
      source_time_zone: 'UTC',
      read_at: new Date().toISOString(),
    };
    const land = async () => {
      for (const o of objects) await this.writeObject(topic, o);
    };
    return { batch, land };
  }

  private async writeObject(
    topic: string,
    o: { partition: number; first: number; lines: string[]; timestamp: number },
  ): Promise<void> {
    const text = `${o.lines.join('\n')}\n`;
    const body = gzipSync(text);
    const key = bronzeObjectKey(topic, o.partition, o.first, o.timestamp);
    await this.store.put(key, body);
    const id = `${topic}+${o.partition}`;
    const last = o.first + o.lines.length - 1;
    const iso = new Date(o.timestamp).toISOString();
    const manifest: WrittenBronzeManifest = {
      version: 1,
      uri: this.store.uri(key),
      key,
      topic,
      partition: o.partition,
      start_offset: this.nextOffset.get(id) ?? 0,
      first_offset: o.first,
      last_offset: last,
      next_offset: last + 1,
      record_count: o.lines.length,
      bytes: body.length,
      uncompressed_bytes: Buffer.byteLength(text),
      min_record_time: iso,
      max_record_time: iso,
      written_at: new Date().toISOString(),
      writer: 'test',
      format: 'jsonl.gz',
    };
    this.nextOffset.set(id, last + 1);
    await this.producer.send({
      topic: this.bronzeFilesTopic,
      acks: -1,
      messages: [{ key: bronzeManifestKey(topic, o.partition), value: JSON.stringify(manifest) }],
    });
  }

  /** Announces a batch, as db-sync does once its records are acknowledged. */
  async announce(batch: DbSyncBatch): Promise<void> {
    await this.producer.send({
      topic: this.batchesTopic,
      acks: -1,
      messages: [{ key: dbSyncKey(batch.database, batch.table), value: JSON.stringify(batch) }],
    });
  }

  /** Publishes, lands and announces a run; resolves with its batch. */
  async run(runId: string, spec: RunSpec): Promise<DbSyncBatch> {
    const { batch, land } = await this.publish(runId, spec);
    await land();
    await this.announce(batch);
    return batch;
  }
}
