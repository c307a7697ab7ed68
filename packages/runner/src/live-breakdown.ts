import type { BronzeManifest } from '@lakestream/lake';

/** A fact row live mode saw arrive in gold, with what it takes to place it in each stage. */
export interface MeasuredRow {
  partition: number;
  offset: number;
  /** Kafka timestamp (ms): the broker appended the producer's record. */
  producedAt: number;
  /** The silver batch that carried it (`silver_batch_id`). */
  batchId: string;
  /** When the gold refresh that first included it answered (ms). */
  visibleAt: number;
}

/** The stages a row passes, in order, after it is produced. */
export const LIVE_STAGES = [
  'bronze durable',
  'silver batch published',
  'warehouse applied',
  'gold refreshed',
] as const;
export type LiveStage = (typeof LIVE_STAGES)[number];

/** When each silver batch was published (its announcement's `created_at`) and applied (its confirmation's `applied_at`), in ms. */
export interface BatchTimes {
  publishedAt: ReadonlyMap<string, number>;
  appliedAt: ReadonlyMap<string, number>;
}

/** One stage's figures over the rows placed in it. */
export interface StageFigures {
  stage: LiveStage;
  /** Seconds from produce to the end of this stage. */
  median: number;
  p95: number;
  /** Seconds this stage added (from the end of the stage before). */
  stepMedian: number;
  stepP95: number;
  /** Rows that could not be placed in this stage (no manifest, announcement or confirmation found). */
  unplaced: number;
}

/** The q-quantile of ascending values (nearest rank); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Where each measured row's time went: for every stage, seconds from produce to the stage's end
 * and the seconds the stage itself added. A row's bronze time is the `written_at` of the earliest
 * manifest of `topic` covering its offset; its silver and warehouse times are its batch's.
 */
export function stageBreakdown(
  rows: readonly MeasuredRow[],
  manifests: readonly BronzeManifest[],
  topic: string,
  batches: BatchTimes,
): StageFigures[] {
  const bronzeAt = bronzeLookup(manifests, topic);
  const times = rows.map((row) => [
    bronzeAt(row.partition, row.offset),
    batches.publishedAt.get(row.batchId),
    batches.appliedAt.get(row.batchId),
    row.visibleAt,
  ]);
  return LIVE_STAGES.map((stage, i) => {
    const since: number[] = [];
    const step: number[] = [];
    let unplaced = 0;
    rows.forEach((row, r) => {
      const end = times[r]![i];
      if (end === undefined) {
        unplaced += 1;
        return;
      }
      const previous = i === 0 ? row.producedAt : times[r]![i - 1];
      since.push((end - row.producedAt) / 1000);
      if (previous !== undefined) step.push((end - previous) / 1000);
    });
    since.sort((a, b) => a - b);
    step.sort((a, b) => a - b);
    return {
      stage,
      median: quantile(since, 0.5),
      p95: quantile(since, 0.95),
      stepMedian: quantile(step, 0.5),
      stepP95: quantile(step, 0.95),
      unplaced,
    };
  });
}

/** partition, offset → when the first manifest covering it was written (ms), or undefined. */
function bronzeLookup(manifests: readonly BronzeManifest[], topic: string) {
  const byPartition = new Map<number, { first: number; last: number; at: number }[]>();
  for (const m of manifests) {
    if (m.topic !== topic || m.written_at === undefined) continue;
    const list = byPartition.get(m.partition) ?? [];
    list.push({ first: m.first_offset, last: m.last_offset, at: Date.parse(m.written_at) });
    byPartition.set(m.partition, list);
  }
  // Sorted by first offset, each with the highest last offset up to it: a walk back can stop once
  // no earlier manifest reaches the offset.
  const reach = new Map<number, number[]>();
  for (const [partition, list] of byPartition) {
    list.sort((a, b) => a.first - b.first || a.at - b.at);
    let most = -1;
    reach.set(
      partition,
      list.map((m) => {
        most = Math.max(most, m.last);
        return most;
      }),
    );
  }
  return (partition: number, offset: number): number | undefined => {
    const list = byPartition.get(partition);
    if (!list) return undefined;
    const reached = reach.get(partition)!;
    // Last manifest starting at or before the offset, then back over overlapping ones (a range
    // written again after a crash, with other boundaries) for the earliest write.
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.first <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best: number | undefined;
    for (let i = found; i >= 0 && reached[i]! >= offset; i--) {
      const m = list[i]!;
      if (m.last >= offset && (best === undefined || m.at < best)) best = m.at;
    }
    return best;
  };
}
