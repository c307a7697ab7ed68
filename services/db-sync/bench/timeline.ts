// Where a sync's time went, from what the pipeline itself announced on the bench's topics: when
// the snapshot opened (the batch's read_at), when the last row reached Kafka and when bronze
// landed it (the manifests' max_record_time and written_at), when the warehouse confirmed.
import { readTopicToEnd } from '@lakestream/kafka';
import { BronzeManifestSchema, DbSyncAppliedSchema, DbSyncBatchSchema } from '@lakestream/lake';
import type { Kafka } from 'kafkajs';
import type { PipelineNames } from './pipeline.js';

/** Epoch milliseconds of each step of one run of one table. */
export interface Timeline {
  snapshotOpened: number;
  lastRowPublished: number;
  lastObjectLanded: number;
  applied: number;
  /** Rows read (the batch's `rows`). */
  rows: number;
  /** Rows the warehouse table holds after the batch, as the loader reports it. */
  rowsAfter: number;
}

/** The timeline of the run whose process started at `startedAt` (the newest batch of its table). */
export async function timelineOf(
  kafka: Kafka,
  names: PipelineNames,
  table: { database: string; table: string },
  startedAt: number,
): Promise<Timeline> {
  const read = (topic: string) =>
    readTopicToEnd(kafka, topic, { groupIdPrefix: 'bench-dbsync-timeline', timeoutMs: 60_000 });
  const values = async (topic: string) =>
    (await read(topic)).flatMap((r) => (r.value ? [JSON.parse(r.value.toString())] : []));
  const batch = (await values(names.batchesTopic))
    .map((v) => DbSyncBatchSchema.parse(v))
    .filter((b) => b.database === table.database && b.table === table.table)
    .filter((b) => Date.parse(b.read_at) >= startedAt)
    .at(-1);
  if (!batch) throw new Error('no batch announced for the run');
  const applied = (await values(names.appliedTopic))
    .map((v) => DbSyncAppliedSchema.parse(v))
    .find(
      (a) => a.run_id === batch.run_id && a.attempt === batch.attempt && a.write === batch.write,
    );
  if (!applied) throw new Error(`no confirmation of batch ${batch.run_id}`);
  const ranges = new Map(batch.ranges.map((r) => [r.partition, r]));
  // The objects holding the batch's offsets.
  const objects = (await values(names.filesTopic))
    .map((v) => BronzeManifestSchema.parse(v))
    .filter((m) => {
      const range = ranges.get(m.partition);
      return (
        m.topic === batch.topic &&
        range !== undefined &&
        m.last_offset >= range.start_offset &&
        m.first_offset < range.end_offset
      );
    });
  const latest = (times: (string | undefined)[]) =>
    Math.max(...times.flatMap((t) => (t ? [Date.parse(t)] : [])));
  return {
    snapshotOpened: Date.parse(batch.read_at),
    lastRowPublished: latest(objects.map((m) => m.max_record_time)),
    lastObjectLanded: latest(objects.map((m) => m.written_at)),
    applied: Date.parse(applied.applied_at),
    rows: batch.rows,
    rowsAfter: applied.rows_after,
  };
}

/** One line per step, in seconds from the process start. */
export function formatTimeline(t: Timeline, startedAt: number, exitedAt: number): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    `  start-up, connect, plan          ${s(t.snapshotOpened - startedAt)}`,
    `  read + publish to Kafka          ${s(t.lastRowPublished - t.snapshotOpened)}`,
    `  bronze lands the last rows       ${s(t.lastObjectLanded - t.lastRowPublished)}`,
    `  warehouse applies and confirms   ${s(t.applied - t.lastObjectLanded)}`,
    `  state written, process exit      ${s(exitedAt - t.applied)}`,
  ];
}
