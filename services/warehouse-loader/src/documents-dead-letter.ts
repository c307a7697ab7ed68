/**
 * The dead letter of a bronze manifest the documents worker can never apply, as packages/lake's
 * manifest-rejection contract defines it: it goes to the document sources' dead-letter topic
 * before the worker commits past the manifest.
 */
import {
  buildDeadLetter,
  deadLetterHeaders,
  MANIFEST_REJECTION_COMPONENT,
  type ManifestPosition,
  rejectedManifestKey,
} from '@lakestream/lake';
import type { Message } from 'kafkajs';
import { LoaderError } from './errors.js';

/** The dead-letter message of a manifest rejected with `err` (raw: the manifest's JSON). */
export function rejectedManifestMessage(
  at: ManifestPosition,
  manifest: Buffer | null,
  err: LoaderError,
): Message {
  const record = buildDeadLetter({
    component: MANIFEST_REJECTION_COMPONENT,
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
