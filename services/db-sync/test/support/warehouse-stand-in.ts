/**
 * Stands for the warehouse loader in these tests: confirms every batch of the watched databases
 * on the confirmations topic as the loader would (after nothing but reading the announcement),
 * and collects the announced batches. The records themselves are read from the table topics.
 */
import { randomUUID } from 'node:crypto';
import {
  DB_SYNC_VERSION,
  type DbRowRecord,
  DbRowRecordSchema,
  type DbSyncApplied,
  type DbSyncBatch,
  DbSyncBatchSchema,
  dbSyncKey,
} from '@lakestream/lake';
import type { Kafka } from 'kafkajs';

/** Starts confirming the batches of `databases`; `confirm: false` only collects them. */
export async function standIn(
  svc: { kafka: Kafka; topics: { batches: string; applied: string } },
  databases: readonly string[],
  options: { confirm?: boolean; reject?: { code: string; message: string } } = {},
) {
  const { kafka, topics } = svc;
  const batches: DbSyncBatch[] = [];
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: `test-stand-in-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.batches, fromBeginning: false });
  let joined!: () => void;
  const ready = new Promise<void>((resolve) => {
    joined = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ message }) => {
      const batch = DbSyncBatchSchema.parse(JSON.parse(String(message.value)));
      if (!databases.includes(batch.database)) return;
      batches.push(batch);
      if (options.confirm === false) return;
      const applied: DbSyncApplied = {
        version: DB_SYNC_VERSION,
        run_id: batch.run_id,
        attempt: batch.attempt,
        database: batch.database,
        table: batch.table,
        write: batch.write,
        target: 'duckdb',
        target_table: `src_${batch.database}.${batch.table}`,
        rows_in: batch.rows,
        rows_after: batch.rows,
        rows_deleted: 0,
        outcome: options.reject ? 'rejected' : 'applied',
        error: options.reject ?? null,
        schema_changes: [],
        applied_at: new Date().toISOString(),
      };
      await producer.send({
        topic: topics.applied,
        messages: [{ key: dbSyncKey(batch.database, batch.table), value: JSON.stringify(applied) }],
      });
    },
  });
  await ready;
  return {
    batches,
    async close() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/** The records of `batch`: its ranges of its topic, only its run and attempt. */
export async function recordsOf(
  kafka: Kafka,
  batch: DbSyncBatch,
): Promise<{ key: string; record: DbRowRecord }[]> {
  const out: { key: string; record: DbRowRecord }[] = [];
  const remaining = new Map(
    batch.ranges.filter((r) => r.end_offset > r.start_offset).map((r) => [r.partition, r]),
  );
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({
    groupId: `test-records-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: batch.topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const range = remaining.get(partition);
        const offset = Number(message.offset);
        if (range === undefined || offset < range.start_offset || offset >= range.end_offset)
          return;
        const record = DbRowRecordSchema.parse(JSON.parse(String(message.value)));
        if (record.run_id === batch.run_id && record.attempt === batch.attempt)
          out.push({ key: String(message.key), record });
        if (offset + 1 >= range.end_offset) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  for (const r of batch.ranges)
    consumer.seek({ topic: batch.topic, partition: r.partition, offset: String(r.start_offset) });
  await done;
  await consumer.disconnect();
  return out;
}
