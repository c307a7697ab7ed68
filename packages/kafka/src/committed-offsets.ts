import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';

/** Per partition, an offset a group's committed offset is to reach (the next offset to read). */
export type OffsetTargets = ReadonlyMap<number, number>;

/** Options of `waitForCommitted`. */
export interface WaitForCommittedOptions {
  groupId: string;
  topic: string;
  /** A partition is passed once the committed offset is at least its target; 0 needs nothing. */
  targets: OffsetTargets;
  /** How long to keep looking before answering with the partitions still behind. */
  timeoutMs: number;
  /** Between two looks at the group's offsets; default 500 ms. */
  pollMs?: number;
  /** Ends the wait at once (the sleep rejects with an AbortError). */
  signal?: AbortSignal;
}

/** The topic's end offsets now (the next offset of each partition, read_committed). */
export async function topicEnds(admin: Admin, topic: string): Promise<Map<number, number>> {
  const ends = await admin.fetchTopicOffsets(topic);
  return new Map(ends.map((e) => [e.partition, Number(e.high)]));
}

/** The group's committed offsets on `topic`; a partition without one is absent. */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(
    (committed?.partitions ?? [])
      .map((p) => [p.partition, Number(p.offset)] as const)
      // kafkajs reports "nothing committed" as -1.
      .filter(([, offset]) => offset >= 0),
  );
}

/**
 * Polls the group's committed offsets until every target is reached; resolves with the partitions
 * still short of theirs when `timeoutMs` has passed (empty once all are reached). A group that
 * commits only after its output is durable thereby says that output is durable up to the targets.
 */
export async function waitForCommitted(
  admin: Admin,
  options: WaitForCommittedOptions,
): Promise<number[]> {
  const deadline = Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 500;
  for (;;) {
    const at = await committedOffsets(admin, options.groupId, options.topic);
    const behind = [...options.targets]
      .filter(([partition, target]) => (at.get(partition) ?? 0) < target)
      .map(([partition]) => partition);
    const left = deadline - Date.now();
    if (behind.length === 0 || left <= 0) return behind;
    const signal = options.signal ? { signal: options.signal } : {};
    await sleep(Math.min(pollMs, left), undefined, signal);
  }
}
