/**
 * Announcing an export object and waiting for the warehouse: the manifest goes to the manifest
 * topic through the idempotent producer with acks=all, keyed so one collection's runs stay in
 * order; the loader's documents worker commits its offset only after the warehouse write, so its
 * committed offset on the manifest's partition passing the manifest says the snapshot is
 * replaced.
 */
import { formatDuration } from '@lakestream/config';
import { waitForCommitted } from '@lakestream/kafka';
import { type BronzeFileManifest, bronzeFileManifestKey } from '@lakestream/lake';
import type { Admin, Producer } from 'kafkajs';
import { ExportError } from './errors.js';

/** Where a manifest landed on the topic. */
export interface Announced {
  partition: number;
  offset: number;
}

/** Publishes one manifest; resolves with its partition and offset. */
export async function publishManifest(
  producer: Producer,
  topic: string,
  manifest: BronzeFileManifest,
): Promise<Announced> {
  try {
    const [meta] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: bronzeFileManifestKey(manifest.source), value: JSON.stringify(manifest) }],
    });
    if (meta === undefined) throw new Error('the broker returned no record metadata');
    return { partition: meta.partition, offset: Number(meta.baseOffset) };
  } catch (err) {
    throw new ExportError(
      'LS_FIRESTORE_EXPORT_PUBLISH_FAILED',
      `publishing the manifest of ${manifest.key} to ${topic} failed: ${(err as Error).message}`,
      { cause: err, retryable: true },
    );
  }
}

/** How a wait for the loader runs. */
export interface WaitOptions {
  admin: Admin;
  topic: string;
  group: string;
  timeoutMs: number;
}

/**
 * Resolves once `group` has committed past every one of `announced` on `topic`; throws
 * LS_FIRESTORE_EXPORT_APPLY_TIMEOUT after `timeoutMs`.
 */
export async function waitForLoader(
  announced: readonly Announced[],
  options: WaitOptions,
): Promise<void> {
  // Kafka's committed offset is the next one to read: it passes a manifest once greater.
  const targets = new Map<number, number>();
  for (const a of announced) {
    targets.set(a.partition, Math.max(targets.get(a.partition) ?? 0, a.offset + 1));
  }
  const behind = await waitForCommitted(options.admin, {
    groupId: options.group,
    topic: options.topic,
    targets,
    timeoutMs: options.timeoutMs,
  });
  const first = announced.find((a) => behind.includes(a.partition));
  if (first === undefined) return;
  throw new ExportError(
    'LS_FIRESTORE_EXPORT_APPLY_TIMEOUT',
    `the loader group ${options.group} did not pass offset ${first.offset} of ${options.topic} partition ${first.partition} within ${formatDuration(options.timeoutMs)} (is the warehouse loader's documents worker running?)`,
    { details: { group: options.group, ...first } },
  );
}
