import { randomUUID } from 'node:crypto';
import { ensureTopics, readTopicToEnd, TOPICS, topicEnds, topicSpec } from '@lakestream/kafka';
import { bronzeManifestKey } from '@lakestream/lake';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntilApplied } from '../src/quality/wait-applied.js';
import { deleteTopics, testKafka, testTopic } from './support/quality-kafka.js';

const kafka = testKafka();
const topics: string[] = [];
afterAll(() => deleteTopics(kafka, topics));

describe('backfill --wait', () => {
  it('waits for the bronze group past the reports, then the loader group past their manifests (not past the commit markers)', async () => {
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
      // Announced as the bronze sink does, in a transaction: the partition ends with a marker.
      const announcer = kafka.producer({
        transactionalId: `test-announcer-${randomUUID()}`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await announcer.connect();
      const tx = await announcer.transaction();
      const manifest = (partition: number, first: number, last: number) => ({
        key: bronzeManifestKey(reportsTopic, partition),
        value: JSON.stringify({
          version: 1,
          uri: `file:///lake/bronze/${reportsTopic}/${partition}-${first}`,
          key: `bronze/${reportsTopic}/${partition}-${first}`,
          topic: reportsTopic,
          partition,
          first_offset: first,
          last_offset: last,
          record_count: last - first + 1,
          bytes: 1,
          format: 'jsonl.gz',
        }),
      });
      const ends = await admin.fetchTopicOffsets(reportsTopic);
      await tx.send({
        topic: manifestTopic,
        messages: ends
          .filter((e) => Number(e.high) > 0)
          .map((e) => manifest(e.partition, 0, Number(e.high) - 1)),
      });
      await tx.commit();
      await announcer.disconnect();
      const reportEnds = await topicEnds(admin, reportsTopic);
      const bronzeGroup = `test-bronze-${randomUUID()}`;
      const loaderGroup = `test-loader-${randomUUID()}`;
      const wait = (timeoutMs: number) =>
        waitUntilApplied(kafka, admin, {
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
      // The loader commits past each manifest (offset + 1), never past the marker after it:
      // that is enough, and the wait ends.
      const manifests = await readTopicToEnd(kafka, manifestTopic, {
        groupIdPrefix: 'test-manifests',
        timeoutMs: 30_000,
      });
      const ends2 = await admin.fetchTopicOffsets(manifestTopic);
      const last = new Map<number, number>();
      for (const m of manifests) last.set(m.partition, Number(m.offset) + 1);
      expect(
        ends2.some((e) => Number(e.high) > (last.get(e.partition) ?? 0)),
        'a commit marker ends the partition',
      ).toBe(true);
      const waiting = wait(30_000);
      setTimeout(
        () =>
          void admin.setOffsets({
            groupId: loaderGroup,
            topic: manifestTopic,
            partitions: [...last].map(([partition, offset]) => ({
              partition,
              offset: String(offset),
            })),
          }),
        1_000,
      );
      await expect(waiting).resolves.toBeUndefined();
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it("reads the manifest topic from the loader group's committed offsets: what is before them is applied already", async () => {
    const reportsTopic = testTopic('reports');
    const manifestTopic = testTopic('manifests');
    topics.push(reportsTopic, manifestTopic);
    await ensureTopics(kafka, [
      { topic: reportsTopic, numPartitions: 1 },
      { topic: manifestTopic, numPartitions: 1 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await producer.send({ topic: reportsTopic, messages: [{ value: '1' }] });
      const key = bronzeManifestKey(reportsTopic, 0);
      const manifest = {
        version: 1,
        uri: `file:///lake/bronze/${reportsTopic}/0-0`,
        key: `bronze/${reportsTopic}/0-0`,
        topic: reportsTopic,
        partition: 0,
        first_offset: 0,
        last_offset: 0,
        record_count: 1,
        bytes: 1,
        format: 'jsonl.gz',
      };
      // Offset 0: a record the loader passed long ago that no reader of manifests can parse now.
      await producer.send({
        topic: manifestTopic,
        messages: [
          { key, value: 'not a manifest' },
          { key, value: JSON.stringify(manifest) },
        ],
      });
      const bronzeGroup = `test-bronze-${randomUUID()}`;
      const loaderGroup = `test-loader-${randomUUID()}`;
      const setOffset = (groupId: string, topic: string, offset: number) =>
        admin.setOffsets({
          groupId,
          topic,
          partitions: [{ partition: 0, offset: String(offset) }],
        });
      await setOffset(bronzeGroup, reportsTopic, 1);
      await setOffset(loaderGroup, manifestTopic, 1);
      const wait = (timeoutMs: number) =>
        waitUntilApplied(kafka, admin, {
          reportsTopic,
          reportEnds: new Map([[0, 1]]),
          bronzeGroup,
          manifestTopic,
          loaderGroup,
          timeoutMs,
        });
      await expect(wait(1_000)).rejects.toMatchObject({
        code: 'LS_QUALITY_WAIT_TIMEOUT',
        message: expect.stringContaining(loaderGroup),
      });
      await setOffset(loaderGroup, manifestTopic, 2);
      await expect(wait(30_000)).resolves.toBeUndefined();
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
