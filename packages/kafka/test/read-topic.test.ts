import { randomUUID } from 'node:crypto';
import { createLogger } from '@lakestream/observability';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, readTopicToEnd } from '../src/index.js';

const kafka = createKafka({
  brokers: process.env.KAFKA_BROKERS!.split(','),
  clientId: 'kafka-read-topic-test',
  logger: createLogger({ service: 'test', level: 'silent' }),
});
const topic = `test-read-topic-${randomUUID()}`;
const fromTopic = `${topic}-from`;

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, fromTopic] }).catch(() => {});
  await admin.disconnect();
});

describe('readTopicToEnd', () => {
  it('is empty for a topic that does not exist', async () => {
    expect(await readTopicToEnd(kafka, `missing-${randomUUID()}`, opts())).toEqual([]);
  });

  it('reads every committed record to the end, skips aborted ones, and leaves no group behind', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    const producer = kafka.producer({
      transactionalId: `test-read-topic-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    for (const [values, commit] of [
      [['a', 'b', 'c'], true],
      [['aborted'], false],
      [['d'], true],
    ] as const) {
      const transaction = await producer.transaction();
      await transaction.send({
        topic,
        messages: values.map((value, i) => ({ partition: i % 2, value })),
      });
      await (commit ? transaction.commit() : transaction.abort());
    }
    await producer.disconnect();

    const records = await readTopicToEnd(kafka, topic, opts());
    expect(records.map((r) => r.value?.toString()).sort()).toEqual(['a', 'b', 'c', 'd']);
    const { groups } = await admin.listGroups();
    expect(groups.filter((g) => g.groupId.startsWith('test-read-topic-reader'))).toEqual([]);
    await admin.disconnect();
  });

  it('starts each partition named in `from` at its offset, the others at their start', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(kafka, [{ topic: fromTopic, numPartitions: 2 }]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic: fromTopic,
      messages: [
        ...['a', 'b', 'c'].map((value) => ({ partition: 0, value })),
        { partition: 1, value: 'x' },
      ],
    });
    await producer.disconnect();
    const values = async (from: Map<number, number>) =>
      (await readTopicToEnd(kafka, fromTopic, { ...opts(), from }))
        .map((r) => r.value?.toString())
        .sort();
    expect(await values(new Map([[0, 2]]))).toEqual(['c', 'x']);
    // Nothing past either start: no group is made at all.
    expect(
      await values(
        new Map([
          [0, 3],
          [1, 1],
        ]),
      ),
    ).toEqual([]);
    const { groups } = await admin.listGroups();
    expect(groups.filter((g) => g.groupId.startsWith('test-read-topic-reader'))).toEqual([]);
    await admin.disconnect();
  });
});

function opts() {
  return { groupIdPrefix: 'test-read-topic-reader', timeoutMs: 30_000 };
}
