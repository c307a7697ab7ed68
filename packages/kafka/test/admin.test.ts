import { randomUUID } from 'node:crypto';
import { createLogger } from '@lakestream/observability';
import { afterAll, describe, expect, it } from 'vitest';
import { consumerLag, createKafka, ensureTopics, TOPICS, topicSpec } from '../src/index.js';

const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'kafka-package-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
const topic = `test-admin-${randomUUID()}`;

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
});

describe('ensureTopics', () => {
  it('creates a missing topic with its partitions, and is a no-op the second time', async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    const admin = kafka.admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    expect(topics[0]!.partitions).toHaveLength(2);
  });
});

describe('consumerLag', () => {
  it('counts everything as lag before a commit, and what is left after one', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `m${i}` })),
    });
    await producer.disconnect();
    const groupId = `test-lag-${randomUUID()}`;
    expect((await consumerLag(kafka, groupId, topic)).map((p) => p.lag)).toEqual([5, 5]);

    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '3' },
        { partition: 1, offset: '5' },
      ],
    });
    await admin.disconnect();
    expect(await consumerLag(kafka, groupId, topic)).toEqual([
      { partition: 0, committed: 3, end: 5, lag: 2 },
      { partition: 1, committed: 5, end: 5, lag: 0 },
    ]);
  });
});

describe('ensureTopics under a race', () => {
  it('lets several processes create the same topics at once, each returning with leaders', async () => {
    const raced = `test-admin-race-${randomUUID()}`;
    const clients = Array.from({ length: 4 }, (_, i) =>
      createKafka({
        brokers: process.env.KAFKA_BROKERS!.split(','),
        clientId: `kafka-package-race-${i}`,
        logger: createLogger({ service: 'test', level: 'silent' }),
      }),
    );
    await Promise.all(
      clients.map((client) => ensureTopics(client, [topicSpec(TOPICS.orderItems, raced)])),
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [raced] });
      expect(topics[0]!.partitions).toHaveLength(3);
      expect(topics[0]!.partitions.every((p) => p.leader >= 0)).toBe(true);
      const [config] = (
        await admin.describeConfigs({
          resources: [{ type: 2, name: raced, configNames: ['message.timestamp.type'] }],
          includeSynonyms: false,
        })
      ).resources;
      expect(config!.configEntries[0]!.configValue).toBe('LogAppendTime');
    } finally {
      await admin.deleteTopics({ topics: [raced] });
      await admin.disconnect();
    }
  });
});
