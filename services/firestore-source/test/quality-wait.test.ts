import { randomUUID } from 'node:crypto';
import { ensureTopics, TOPICS, topicSpec } from '@lakestream/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { topicEnds, waitUntilApplied } from '../src/quality/wait-applied.js';
import { deleteTopics, testKafka, testTopic } from './support/quality-kafka.js';

const kafka = testKafka();
const topics: string[] = [];
afterAll(() => deleteTopics(kafka, topics));

describe('backfill --wait', () => {
  it('waits for the bronze group past the reports, then the loader group past the manifests at that moment', async () => {
    const reportsTopic = testTopic('reports');
    const manifestTopic = testTopic('manifests');
    topics.push(reportsTopic, manifestTopic);
    await ensureTopics(kafka, [
      topicSpec(TOPICS.qualityReports, reportsTopic),
      topicSpec(TOPICS.bronzeFiles, manifestTopic),
    ]);
    const producer = kafka.producer();
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await producer.send({
        topic: reportsTopic,
        messages: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
          { key: 'c', value: '3' },
        ],
      });
      await producer.send({ topic: manifestTopic, messages: [{ key: 'm', value: 'manifest' }] });
      const reportEnds = await topicEnds(admin, reportsTopic);
      const bronzeGroup = `test-bronze-${randomUUID()}`;
      const loaderGroup = `test-loader-${randomUUID()}`;
      const wait = (timeoutMs: number) =>
        waitUntilApplied(admin, {
          reportsTopic,
          reportEnds,
          bronzeGroup,
          manifestTopic,
          loaderGroup,
          timeoutMs,
        });
      const commit = async (groupId: string, topic: string) => {
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
        });
      };

      // Nothing committed: the bronze hop times out, naming the group.
      await expect(wait(1_000)).rejects.toMatchObject({
        code: 'LS_QUALITY_WAIT_TIMEOUT',
        message: expect.stringContaining(bronzeGroup),
      });
      // The bronze sink is past the reports; the loader is not past the manifests yet.
      await commit(bronzeGroup, reportsTopic);
      await expect(wait(1_000)).rejects.toMatchObject({
        code: 'LS_QUALITY_WAIT_TIMEOUT',
        message: expect.stringContaining(loaderGroup),
      });
      // The loader commits while the command waits: the wait ends.
      const waiting = wait(30_000);
      setTimeout(() => void commit(loaderGroup, manifestTopic), 1_000);
      await expect(waiting).resolves.toBeUndefined();
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
