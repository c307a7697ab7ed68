import { Writable } from 'node:stream';
import { createLogger } from '@lakestream/observability';
import { describe, expect, it } from 'vitest';
import { createIdempotentProducer, createKafka } from '../src/client.js';

/** A client whose log lines are kept, parsed, for the test to read. */
function capturedClient() {
  const lines: { level: string; msg: string }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ service: 'test', level: 'debug', destination });
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test', logger });
  return { kafka, log: kafka.logger(), lines };
}

describe('kafkajs log lines', () => {
  it('keeps the broker answers and consumer restarts kafkajs retries out of the error level', () => {
    const { log, lines } = capturedClient();
    log.error('Response GroupCoordinator(key: 10, version: 2)', {
      error: 'The group coordinator is not available',
    });
    log.error('Crash: KafkaJSProtocolError: The coordinator is loading', { groupId: 'g' });
    log.error('Restarting the consumer in 100ms', { retryTime: 100 });
    log.error('Failed to connect to seed broker, trying another broker from the list', {});
    log.warn('Limiting retries for the idempotent producer may invalidate EoS guarantees', {});
    expect(lines.map((l) => [l.level, l.msg.slice(0, 21)])).toEqual([
      ['warn', 'Response GroupCoordin'],
      ['warn', 'Crash: KafkaJSProtoco'],
      ['warn', 'Restarting the consum'],
      ['error', 'Failed to connect to '],
      ['warn', 'Limiting retries for '],
    ]);
  });

  it('names the partitioner of the pipeline producers, so kafkajs does not warn of its default', () => {
    const { kafka, lines } = capturedClient();
    createIdempotentProducer(kafka, { transactionalId: 'test' });
    expect(lines.filter((l) => l.msg.includes('partitioner'))).toEqual([]);
    // What it was: a producer without one warns (once per process).
    kafka.producer();
    expect(lines.filter((l) => l.msg.includes('switched default partitioner'))).toHaveLength(1);
  });
});
