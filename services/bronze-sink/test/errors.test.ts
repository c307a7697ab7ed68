import { describe, expect, it } from 'vitest';
import { isFencedError, metricCode } from '../src/errors.js';

describe('errors', () => {
  it('recognises a fenced producer through kafkajs wrappers', () => {
    const protocol = Object.assign(new Error('epoch'), { type: 'INVALID_PRODUCER_EPOCH' });
    expect(isFencedError(protocol)).toBe(true);
    expect(isFencedError(Object.assign(new Error('retries'), { originalError: protocol }))).toBe(
      true,
    );
    expect(isFencedError(new Error('x', { cause: protocol }))).toBe(true);
    expect(isFencedError(Object.assign(new Error('x'), { type: 'REQUEST_TIMED_OUT' }))).toBe(false);
  });

  it('gives bounded metric codes', () => {
    expect(metricCode({ code: 'LS_STORE_UNAVAILABLE' })).toBe('LS_STORE_UNAVAILABLE');
    expect(metricCode({ type: 'NOT_COORDINATOR' })).toBe('KAFKA_NOT_COORDINATOR');
    expect(metricCode({ name: 'KafkaJSConnectionError' })).toBe('KafkaJSConnectionError');
    expect(metricCode(new TypeError('x'))).toBe('UNKNOWN');
  });
});
