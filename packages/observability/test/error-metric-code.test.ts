import { describe, expect, it } from 'vitest';
import { errorMetricCode } from '../src/index.js';

describe('errorMetricCode', () => {
  it('keeps the label to LS_ codes, Kafka error types and kafkajs classes', () => {
    expect(errorMetricCode({ code: 'LS_STORE_UNAVAILABLE' })).toBe('LS_STORE_UNAVAILABLE');
    expect(errorMetricCode({ type: 'NOT_COORDINATOR' })).toBe('KAFKA_NOT_COORDINATOR');
    expect(errorMetricCode({ name: 'KafkaJSConnectionError' })).toBe('KafkaJSConnectionError');
    expect(errorMetricCode({ code: 'ECONNRESET' })).toBe('UNKNOWN');
    expect(errorMetricCode(new TypeError('x'))).toBe('UNKNOWN');
    expect(errorMetricCode(undefined)).toBe('UNKNOWN');
  });
});
