/**
 * The dead letter of a bronze manifest the documents worker can never apply: it goes to the
 * document sources' dead-letter topic before the worker commits past the manifest, so a command
 * that waits for the group's committed offset (an export run) can tell "applied" from "rejected"
 * by looking for a letter naming its manifest's position.
 */
import { buildDeadLetter, deadLetterHeaders } from '@lakestream/lake';
import type { Message } from 'kafkajs';
import { LoaderError } from './errors.js';

/** The `component` of the loader's dead letters. */
export const DEAD_LETTER_COMPONENT = 'warehouse-loader';

/** Where a rejected manifest was on the manifest topic. */
export interface ManifestPosition {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: kept as decimal text. */
  offset: string;
}

/**
 * The Kafka key of a rejected manifest's dead letter: its position, so a letter published again
 * after a crash (before the commit) shares its key and readers dedupe it.
 */
function rejectedManifestKey({ topic, partition, offset }: ManifestPosition): string {
  return `${topic}+${partition}+${offset}`;
}

/** The dead-letter message of a manifest rejected with `err` (raw: the manifest's JSON). */
export function rejectedManifestMessage(
  at: ManifestPosition,
  manifest: Buffer | null,
  err: LoaderError,
): Message {
  const record = buildDeadLetter({
    component: DEAD_LETTER_COMPONENT,
    reasons: [{ code: err.code, message: err.message, column: null, value: null }],
    raw: manifest,
    source: { kind: 'topic', ...at },
  });
  return {
    key: rejectedManifestKey(at),
    value: JSON.stringify(record),
    headers: deadLetterHeaders(record),
  };
}

/** The error of a dead letter the broker did not take: retryable, the manifest stays uncommitted. */
export function deadLetterFailed(topic: string, at: ManifestPosition, cause: unknown): LoaderError {
  return new LoaderError(
    'LS_LOADER_DEAD_LETTER_FAILED',
    `dead-letter topic ${topic} did not take the letter of ${rejectedManifestKey(at)}`,
    { cause, retryable: true },
  );
}
