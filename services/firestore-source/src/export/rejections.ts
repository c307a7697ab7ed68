/**
 * The loader's verdict on a snapshot. Its documents worker commits past a manifest it has loaded,
 * and also past one it can never load (columns the warehouse refuses, say) after publishing a dead
 * letter naming the manifest's position (packages/lake's manifest-rejection contract). So a
 * committed offset past a manifest says the loader is done with it; the dead-letter topic says
 * whether it was loaded.
 */
import { readTopicToEnd } from '@lakestream/kafka';
import {
  type DeadLetterReason,
  isManifestRejection,
  parseDeadLetter,
  rejectedManifestKey,
} from '@lakestream/lake';
import type { Kafka } from 'kafkajs';
import type { Announced } from './announce.js';

/** Per announced manifest the loader rejected (its index in `announced`), the loader's reason. */
export async function loaderRejections(
  kafka: Kafka,
  options: {
    deadLetterTopic: string;
    manifestTopic: string;
    announced: readonly Announced[];
    /**
     * The dead-letter topic's ends taken before the manifests were announced: a letter for one of
     * them lies after, so the topic's history is not read.
     */
    from: ReadonlyMap<number, number>;
    timeoutMs: number;
  },
): Promise<Map<number, DeadLetterReason>> {
  const positions = options.announced.map((a) => ({
    topic: options.manifestTopic,
    partition: a.partition,
    offset: String(a.offset),
  }));
  const byKey = new Map(positions.map((at, i) => [rejectedManifestKey(at), i]));
  const records = await readTopicToEnd(kafka, options.deadLetterTopic, {
    groupIdPrefix: 'lakestream-firestore-export-rejections',
    timeoutMs: options.timeoutMs,
    from: options.from,
  });
  const rejected = new Map<number, DeadLetterReason>();
  for (const record of records) {
    const index = byKey.get(record.key?.toString() ?? '');
    if (index === undefined || record.value === null) continue;
    const letter = parseDeadLetter(record.value);
    if (isManifestRejection(letter, positions[index]!)) rejected.set(index, letter.reasons[0]!);
  }
  return rejected;
}
