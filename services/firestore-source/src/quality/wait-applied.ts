/**
 * `backfill --wait`: until the warehouse has applied the run's reports. The reports reach it in
 * two hops, each visible as a consumer group's committed offsets: the documents bronze sink
 * commits past a record only after its object is written and announced, and the documents loader
 * commits past an announcement only after its MERGE. So: wait until the bronze group has
 * committed up to the reports topic's end as it was when the run finished; then until the loader
 * group has committed past every manifest of the reports topic announced by then.
 *
 * Not up to the manifest topic's end: the bronze sink announces in transactions, so each
 * partition ends with a commit marker that no consumer is handed and none commits past.
 */
import {
  committedOffsets,
  type OffsetTargets,
  readTopicToEnd,
  type WaitForCommittedOptions,
  waitForCommitted,
} from '@lakestream/kafka';
import { bronzeManifestKey, parseBronzeManifest } from '@lakestream/lake';
import type { Admin, Kafka } from 'kafkajs';
import { QualityError } from './errors.js';

/** Waits until `groupId` has committed every target; throws LS_QUALITY_WAIT_TIMEOUT past `timeoutMs`. */
async function waitForGroup(admin: Admin, options: WaitForCommittedOptions): Promise<void> {
  const late = await waitForCommitted(admin, options);
  if (late.length === 0) return;
  throw new QualityError(
    'LS_QUALITY_WAIT_TIMEOUT',
    `group ${options.groupId} has not committed past the run on ${options.topic} (partitions ${late.join(', ')}) within ${options.timeoutMs} ms`,
  );
}

/**
 * Per manifest-topic partition, the offset just past the last manifest of a `reportsTopic` object
 * that starts below `reportEnds` (the run's objects and the ones before them). Read from the
 * loader group's committed offsets on: a manifest before them is applied already, so the topic's
 * history is not read again on every wait.
 */
async function manifestTargets(
  kafka: Kafka,
  admin: Admin,
  options: {
    manifestTopic: string;
    reportsTopic: string;
    reportEnds: OffsetTargets;
    loaderGroup: string;
    timeoutMs: number;
  },
): Promise<OffsetTargets> {
  const { reportsTopic, reportEnds } = options;
  const keys = new Map([...reportEnds.keys()].map((p) => [bronzeManifestKey(reportsTopic, p), p]));
  const records = await readTopicToEnd(kafka, options.manifestTopic, {
    groupIdPrefix: 'lakestream-backfill-wait',
    timeoutMs: options.timeoutMs,
    from: await committedOffsets(admin, options.loaderGroup, options.manifestTopic),
  });
  const targets = new Map<number, number>();
  for (const record of records) {
    const partition = keys.get(record.key?.toString() ?? '');
    if (partition === undefined || record.value === null) continue;
    const manifest = parseBronzeManifest(record.value);
    if (manifest.first_offset >= (reportEnds.get(partition) ?? 0)) continue;
    const next = Number(record.offset) + 1;
    targets.set(record.partition, Math.max(targets.get(record.partition) ?? 0, next));
  }
  return targets;
}

/** The two hops of `--wait`, in order. */
export async function waitUntilApplied(
  kafka: Kafka,
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
  // Every manifest of the run's objects was committed with the bronze offsets just seen.
  const targets = await manifestTargets(kafka, admin, options);
  await waitForGroup(admin, {
    groupId: options.loaderGroup,
    topic: options.manifestTopic,
    targets,
    timeoutMs: options.timeoutMs,
    ...signal,
  });
}
