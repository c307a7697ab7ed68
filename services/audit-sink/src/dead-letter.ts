import { isUtf8 } from 'node:buffer';
import type { IHeaders, Message, Producer } from 'kafkajs';
import type { RawMessage, Rejection, RejectionCode } from './decode-message.js';
import { AuditSinkError } from './errors.js';

/** The component name written into dead-letter records. */
export const COMPONENT = 'audit-sink';

/** The JSON body of a dead-letter record. */
export interface DeadLetterBody {
  /** Stable code of the reason (`LS_AUDIT_NOT_JSON`, …). */
  code: RejectionCode;
  /** Why the message was not stored, for people. */
  reason: string;
  /** Where the message was. */
  source: { topic: string; partition: number; offset: string };
  /** The original value: as text when it is UTF-8, else base64 (see `raw_encoding`). */
  raw: string | null;
  raw_encoding: 'utf8' | 'base64';
  /** When the sink rejected it, ISO-8601 UTC. */
  failed_at: string;
  component: typeof COMPONENT;
}

/** A message that cannot be stored, with where it came from and why. */
export interface DeadLetter {
  topic: string;
  partition: number;
  message: RawMessage & { headers?: IHeaders };
  rejection: Rejection;
}

/**
 * The dead-letter record of a rejected message: the original key (so records of one order stay
 * together), a JSON body with the reason, the source position and the raw value, and headers
 * carrying the same facts for tools that read headers only.
 */
export function deadLetterRecord(letter: DeadLetter, failedAt: Date): Message {
  const { value } = letter.message;
  const utf8 = value === null || isUtf8(value);
  const body: DeadLetterBody = {
    code: letter.rejection.code,
    reason: letter.rejection.reason,
    source: { topic: letter.topic, partition: letter.partition, offset: letter.message.offset },
    raw: value === null ? null : value.toString(utf8 ? 'utf8' : 'base64'),
    raw_encoding: utf8 ? 'utf8' : 'base64',
    failed_at: failedAt.toISOString(),
    component: COMPONENT,
  };
  return {
    key: letter.message.key,
    value: JSON.stringify(body),
    headers: {
      'lakestream-error-code': letter.rejection.code,
      'lakestream-source-topic': letter.topic,
      'lakestream-source-partition': String(letter.partition),
      'lakestream-source-offset': letter.message.offset,
      'lakestream-component': COMPONENT,
    },
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
