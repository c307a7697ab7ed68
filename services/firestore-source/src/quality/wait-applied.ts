/**
 * `backfill --wait`: until the warehouse has applied the run's reports. The reports reach it in
 * two hops, each visible as a consumer group's committed offsets: the documents bronze sink
 * commits past a record only after its object is written and announced, and the documents loader
 * commits past an announcement only after its MERGE. So: wait until the bronze group has
 * committed up to the reports topic's end as it was when the run finished; then until the loader
 * group has committed up to the manifest topic's end as it was at that moment.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { QualityError } from './errors.js';

/** How often the committed offsets are read. */
export const WAIT_POLL_MS = 500;

/** Per partition, an offset to reach. */
export type OffsetTargets = Map<number, number>;

/** The topic's end offsets now (the next offset of each partition). */
export async function topicEnds(admin: Admin, topic: string): Promise<OffsetTargets> {
  const ends = await admin.fetchTopicOffsets(topic);
  return new Map(ends.map((e) => [e.partition, Number(e.high)]));
}

/** Partitions whose committed offset is still short of its target. */
export async function behind(
  admin: Admin,
  groupId: string,
  topic: string,
  targets: OffsetTargets,
): Promise<number[]> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return [...targets]
    .filter(([partition, target]) => target > 0 && (at.get(partition) ?? -1) < target)
    .map(([partition]) => partition);
}

/** Waits until `groupId` has committed every target; throws LS_QUALITY_WAIT_TIMEOUT past `timeoutMs`. */
export async function waitForGroup(
  admin: Admin,
  options: {
    groupId: string;
    topic: string;
    targets: OffsetTargets;
    timeoutMs: number;
    signal?: AbortSignal;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const late = await behind(admin, options.groupId, options.topic, options.targets);
    if (late.length === 0) return;
    if (Date.now() >= deadline) {
      throw new QualityError(
        'LS_QUALITY_WAIT_TIMEOUT',
        `group ${options.groupId} has not committed past the run on ${options.topic} (partitions ${late.join(', ')}) within ${options.timeoutMs} ms`,
      );
    }
    await sleep(WAIT_POLL_MS, undefined, options.signal ? { signal: options.signal } : {});
  }
}

/** The two hops of `--wait`, in order. */
export async function waitUntilApplied(
  admin: Admin,
  options: {
    reportsTopic: string;
    /** The reports topic's ends when the run finished. */
    reportEnds: OffsetTargets;
    bronzeGroup: string;
    manifestTopic: string;
    loaderGroup: string;
    timeoutMs: number;
    signal?: AbortSignal;
  },
): Promise<void> {
  const signal = options.signal ? { signal: options.signal } : {};
  await waitForGroup(admin, {
    groupId: options.bronzeGroup,
    topic: options.reportsTopic,
    targets: options.reportEnds,
    timeoutMs: options.timeoutMs,
    ...signal,
  });
  // Every manifest of the run's objects was published before the bronze commit just seen.
  const manifestEnds = await topicEnds(admin, options.manifestTopic);
  await waitForGroup(admin, {
    groupId: options.loaderGroup,
    topic: options.manifestTopic,
    targets: manifestEnds,
    timeoutMs: options.timeoutMs,
    ...signal,
  });
}
