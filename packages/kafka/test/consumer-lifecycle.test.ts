import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@lakestream/observability';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, createManagedConsumer, ensureTopics, withHeartbeats } from '../src/index.js';

const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'consumer-lifecycle-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
const logger = createLogger({ service: 'test', level: 'silent' });
const topics: string[] = [];

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
});

describe('createManagedConsumer', () => {
  it('waits for a topic another process creates a moment later, joins, consumes and closes once', async () => {
    const topic = `test-lifecycle-${randomUUID()}`;
    topics.push(topic);
    const member = createManagedConsumer({
      kafka,
      consumer: { groupId: `test-lifecycle-${randomUUID()}`, allowAutoTopicCreation: false },
      topics: [topic],
      logger,
    });
    expect(() => member.checkReady()).toThrow(/not yet a member/);
    member.pause(); // before it runs: nothing to pause, no error
    const received: string[] = [];
    const started = member.start({
      eachMessage: async ({ message }) => {
        received.push(message.value!.toString());
      },
    });
    // The topic appears only after the consumer began starting.
    await sleep(1_500);
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    await started;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'hello' }] });
    await producer.disconnect();
    const deadline = Date.now() + 30_000;
    while ((received.length === 0 || !member.joined) && Date.now() < deadline) await sleep(100);
    expect(received).toEqual(['hello']);
    expect(() => member.checkReady()).not.toThrow();
    await Promise.all([member.close(), member.close()]);
    expect(() => member.checkReady()).toThrow(/shutting down/);
  });

  it('reports a fatal crash once, as the service names it', async () => {
    const topic = `test-lifecycle-${randomUUID()}`;
    topics.push(topic);
    const fatals: unknown[] = [];
    const member = createManagedConsumer({
      kafka,
      consumer: {
        groupId: `test-lifecycle-${randomUUID()}`,
        retry: { retries: 0, restartOnFailure: async () => false },
      },
      topics: [topic],
      ensureTopics: [{ topic, numPartitions: 1 }],
      logger,
      fatalError: (cause) => new Error('the consumer stopped', { cause }),
      onFatal: (err) => fatals.push(err),
    });
    await member.start({
      eachMessage: async () => {
        throw new Error('a record this consumer cannot take');
      },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'poison' }] });
    await producer.disconnect();
    const deadline = Date.now() + 30_000;
    while (fatals.length === 0 && Date.now() < deadline) await sleep(100);
    expect(fatals).toHaveLength(1);
    expect((fatals[0] as Error).message).toBe('the consumer stopped');
    expect(() => member.checkReady()).toThrow('the consumer stopped');
    await member.close();
  });
});

describe('withHeartbeats', () => {
  it('beats while the work runs and rethrows a rebalance the beat reported', async () => {
    let beats = 0;
    await expect(
      withHeartbeats(
        sleep(120).then(() => 'done'),
        async () => {
          beats++;
        },
        20,
      ),
    ).resolves.toBe('done');
    expect(beats).toBeGreaterThanOrEqual(3);
    const rebalance = new Error('The group is rebalancing');
    await expect(withHeartbeats(sleep(60), async () => Promise.reject(rebalance), 10)).rejects.toBe(
      rebalance,
    );
  });
});
