/**
 * Waits for the warehouse's confirmations (`DbSyncApplied`). The topic's end offsets are noted
 * before the run announces anything and read from there, so a confirmation cannot slip past
 * between an announcement and the wait; an older confirmation of the same run and attempt cannot
 * exist (run ids are new per run). One reader serves every table of a run.
 */
import { randomUUID } from 'node:crypto';
import { formatDuration } from '@lakestream/config';
import { type DbSyncApplied, DbSyncAppliedSchema, type DbSyncBatch } from '@lakestream/lake';
import type { Logger } from '@lakestream/observability';
import type { Consumer, Kafka } from 'kafkajs';
import { DbSyncError } from './errors.js';

/** Which batch a confirmation answers. */
export interface BatchId {
  run_id: string;
  attempt: number;
  database: string;
  table: string;
  /** A `--reconcile` run announces its reconcile batch under the same run and attempt. */
  write: DbSyncBatch['write'];
}

function idOf(b: BatchId): string {
  return JSON.stringify([b.run_id, b.attempt, b.database, b.table, b.write]);
}

/** Reads the confirmations topic from the offsets it had when it started. */
export class AppliedWatch {
  private readonly seen = new Map<string, DbSyncApplied>();
  private readonly waiters = new Map<string, (applied: DbSyncApplied) => void>();
  private closed = false;

  private constructor(
    private readonly kafka: Kafka,
    private readonly consumer: Consumer,
    private readonly groupId: string,
  ) {}

  /** Notes the topic's end offsets, then starts reading from them. */
  static async start(kafka: Kafka, topic: string, logger: Logger): Promise<AppliedWatch> {
    const admin = kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
      ends = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    // A throwaway group: the client needs one to read, but nothing is ever committed.
    const groupId = `lakestream-db-sync-watch-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    const watch = new AppliedWatch(kafka, consumer, groupId);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => watch.receive(message.value, logger),
    });
    for (const end of ends) consumer.seek({ topic, partition: end.partition, offset: end.high });
    return watch;
  }

  private receive(value: Buffer | null, logger: Logger): void {
    let applied: DbSyncApplied;
    try {
      applied = DbSyncAppliedSchema.parse(JSON.parse(String(value)));
    } catch (err) {
      logger.warn({ err }, 'ignoring a confirmation that does not match the contract');
      return;
    }
    const id = idOf(applied);
    this.seen.set(id, applied);
    this.waiters.get(id)?.(applied);
  }

  /**
   * The confirmation of `batch`; rejects with LS_DB_SYNC_APPLY_TIMEOUT after `timeoutMs`, or with
   * the signal's reason.
   */
  wait(batch: BatchId, timeoutMs: number, signal?: AbortSignal): Promise<DbSyncApplied> {
    const id = idOf(batch);
    const already = this.seen.get(id);
    if (already) return settle(batch, already);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(id);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new DbSyncError(
            'LS_DB_SYNC_APPLY_TIMEOUT',
            `${batch.database}.${batch.table}: batch announced but not applied within ${formatDuration(timeoutMs)}: is the warehouse loader's db worker running?`,
            { details: { ...batch } },
          ),
        );
      }, timeoutMs);
      this.waiters.set(id, (applied) => {
        done();
        settle(batch, applied).then(resolve, reject);
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops reading and removes the throwaway group; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer.disconnect().catch(() => {});
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // An empty group without offsets expires on its own.
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

/** The confirmation, or the warehouse's rejection of the batch as this table's error. */
function settle(batch: BatchId, answer: DbSyncApplied): Promise<DbSyncApplied> {
  if (answer.outcome === 'applied') return Promise.resolve(answer);
  return Promise.reject(
    new DbSyncError(
      'LS_DB_SYNC_REJECTED',
      `${batch.database}.${batch.table}: the warehouse rejected the batch (${answer.error?.code ?? 'no code'}: ${answer.error?.message ?? 'no reason given'}); the watermark stays, the next run reads these rows again`,
      { details: { run_id: batch.run_id, attempt: batch.attempt } },
    ),
  );
}
