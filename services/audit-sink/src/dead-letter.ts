import { buildDeadLetter, deadLetterHeaders } from '@lakestream/lake';
import type { IHeaders, Message, Producer } from 'kafkajs';
import type { RawMessage, Rejection } from './decode-message.js';
import { AuditSinkError } from './errors.js';

/** The component name written into dead-letter records. */
export const COMPONENT = 'audit-sink';

/** A message that cannot be stored, with where it came from and why. */
export interface DeadLetter {
  topic: string;
  partition: number;
  message: RawMessage & { headers?: IHeaders };
  rejection: Rejection;
}

/**
 * The dead-letter message of a rejected message: the original key (so records of one order stay
 * together), the lake's one dead-letter record as the value (the reason, the source position and
 * the raw value) and the same facts as headers for tools that read headers only.
 */
export function deadLetterRecord(letter: DeadLetter, failedAt: Date): Message {
  const { code, reason } = letter.rejection;
  const record = buildDeadLetter({
    component: COMPONENT,
    reasons: [{ code, message: reason, column: null, value: null }],
    raw: letter.message.value,
    source: {
      kind: 'topic',
      topic: letter.topic,
      partition: letter.partition,
      offset: letter.message.offset,
    },
    failedAt,
  });
  return {
    key: letter.message.key,
    value: JSON.stringify(record),
    headers: deadLetterHeaders(record),
  };
}

/** Sends dead letters; resolves once the broker has them (acks from all in-sync replicas). */
export async function publishDeadLetters(
  producer: Producer,
  topic: string,
  letters: readonly DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  const failedAt = new Date();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: letters.map((letter) => deadLetterRecord(letter, failedAt)),
    });
  } catch (err) {
    throw new AuditSinkError(
      'LS_AUDIT_DLQ_FAILED',
      `dead-letter topic ${topic} did not take ${letters.length} records`,
      { cause: err, retryable: (err as { retriable?: unknown }).retriable !== false },
    );
  }
}
