import { randomUUID } from 'node:crypto';
import { createLogger } from '@lakestream/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, waitForCommitted } from '../src/index.js';

const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'kafka-committed-offsets-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
const topic = `test-committed-${randomUUID()}`;
const admin = kafka.admin();

beforeAll(async () => {
  await admin.connect();
  await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
});
afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

describe('waitForCommitted', () => {
  it('answers the partitions still behind at the timeout, and none once the group commits', async () => {
    const groupId = `test-committed-${randomUUID()}`;
    const wait = (timeoutMs: number) =>
      waitForCommitted(admin, {
        groupId,
        topic,
        // Partition 1's target 0 asks for nothing: no group has to commit there.
        targets: new Map([
          [0, 3],
          [1, 0],
        ]),
        timeoutMs,
        pollMs: 100,
      });
    expect(await wait(300)).toEqual([0]);
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });
    expect(await wait(300)).toEqual([0]);
    const waiting = wait(30_000);
    setTimeout(
      () => void admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] }),
      300,
    );
    expect(await waiting).toEqual([]);
    await admin.deleteGroups([groupId]).catch(() => {});
  });
});
