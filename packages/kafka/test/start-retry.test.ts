import { LakestreamError } from '@lakestream/config';
import { createLogger } from '@lakestream/observability';
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRetriableKafkaError, withKafkaStartRetry } from '../src/index.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const protocol = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError({ message: type, type, code: 3, retriable } as never);

describe('isRetriableKafkaError', () => {
  it('retries what a broker that has just started answers', () => {
    expect(isRetriableKafkaError(protocol('UNKNOWN_TOPIC_OR_PARTITION', true))).toBe(true);
    expect(isRetriableKafkaError(protocol('COORDINATOR_LOAD_IN_PROGRESS', true))).toBe(true);
    expect(isRetriableKafkaError(protocol('LEADER_NOT_AVAILABLE', true))).toBe(true);
    expect(
      isRetriableKafkaError(new KafkaJSConnectionError('Connection error: ECONNREFUSED')),
    ).toBe(true);
  });

  it('looks through kafkajs giving up on its own shorter budget', () => {
    const gaveUp = new KafkaJSNumberOfRetriesExceeded(
      protocol('UNKNOWN_TOPIC_OR_PARTITION', true),
      {
        retryCount: 5,
        retryTime: 3000,
      } as never,
    );
    expect(gaveUp.retriable).toBe(false);
    expect(isRetriableKafkaError(gaveUp)).toBe(true);
  });

  it('does not retry what no retry can change', () => {
    expect(isRetriableKafkaError(protocol('TOPIC_AUTHORIZATION_FAILED', false))).toBe(false);
    expect(isRetriableKafkaError(new KafkaJSNonRetriableError('Invalid topics array'))).toBe(false);
    expect(isRetriableKafkaError(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriableKafkaError(undefined)).toBe(false);
  });
});

describe('withKafkaStartRetry', () => {
  it('rides out retriable answers, then succeeds', async () => {
    let calls = 0;
    const result = await withKafkaStartRetry(
      'subscribe',
      async () => {
        calls++;
        if (calls < 3) throw protocol('UNKNOWN_TOPIC_OR_PARTITION', true);
        return 'joined';
      },
      { logger, baseMs: 5 },
    );
    expect(result).toBe('joined');
    expect(calls).toBe(3);
  });

  it('rethrows a fatal error at once', async () => {
    let calls = 0;
    const fatal = protocol('TOPIC_AUTHORIZATION_FAILED', false);
    await expect(
      withKafkaStartRetry(
        'subscribe',
        async () => {
          calls++;
          throw fatal;
        },
        { logger, baseMs: 5 },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('gives up after its time limit with a code naming the step', async () => {
    const err = await withKafkaStartRetry(
      'subscribe to lakestream.order_items.v1',
      async () => {
        throw protocol('LEADER_NOT_AVAILABLE', true);
      },
      { logger, baseMs: 5, timeoutMs: 100 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakestreamError);
    expect((err as LakestreamError).code).toBe('LS_KAFKA_START_FAILED');
    expect((err as Error).message).toMatch(/subscribe to lakestream\.order_items\.v1/);
  });

  it('stops waiting when aborted', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('shutting down')), 50);
    await expect(
      withKafkaStartRetry(
        'connect',
        async () => {
          throw protocol('LEADER_NOT_AVAILABLE', true);
        },
        { logger, baseMs: 1_000, signal: abort.signal },
      ),
    ).rejects.toThrow('shutting down');
  });
});
