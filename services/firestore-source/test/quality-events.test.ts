import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTopics, TOPICS, topicSpec } from '@lakestream/kafka';
import { QualityReportSchema } from '@lakestream/lake';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleStreamReport } from '../src/quality/samples.js';
import { deleteTopics, readAll, runCli, testKafka, testTopic } from './support/quality-kafka.js';

const kafka = testKafka();
const topics: string[] = [];
afterAll(() => deleteTopics(kafka, topics));

describe('firestore-source quality-events', () => {
  it('publishes N deterministic stream reports keyed by insert_id; the same seed gives the same reports', async () => {
    const topic = testTopic('events');
    topics.push(topic);
    const args = [
      'quality-events',
      '--count',
      '40',
      '--teams',
      '3',
      '--seed',
      '11',
      '--topic',
      topic,
    ];
    const first = await runCli(args, {});
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`published 40 stream reports to ${topic}`);
    // A second run with --first 30 repeats samples 30–39 exactly.
    expect(
      (await runCli([...args.slice(0, 2), '10', ...args.slice(3), '--first', '30'], {})).code,
    ).toBe(0);

    const records = await readAll(kafka, topic);
    expect(records).toHaveLength(50);
    const byKey = new Map<string, string[]>();
    for (const r of records) {
      const report = QualityReportSchema.parse(JSON.parse(r.value!.toString()));
      expect(r.key?.toString()).toBe(report.insert_id);
      expect(report.source).toBe('stream');
      byKey.set(report.insert_id, [...(byKey.get(report.insert_id) ?? []), r.value!.toString()]);
    }
    expect(byKey.size).toBe(40);
    for (let i = 0; i < 40; i++) {
      const expected = sampleStreamReport(i, { seed: 11, teams: 3 });
      const values = byKey.get(expected.insert_id)!;
      expect(values.map((v) => JSON.parse(v))).toEqual(values.map(() => expected));
      expect(values).toHaveLength(i >= 30 ? 2 : 1);
    }
    expect(new Set([...byKey.keys()].map((k) => k.split('-')[1])).size).toBeLessThanOrEqual(3);
  });

  it('--wait returns once the bronze group has passed the reports and the loader their manifests; a group that never does times out', async () => {
    const topic = testTopic('events-wait');
    const manifests = testTopic('events-wait-manifests');
    topics.push(topic, manifests);
    await ensureTopics(kafka, [topicSpec(TOPICS.bronzeFiles, manifests)]);
    const env = {
      QUALITY_BRONZE_GROUP: `test-bronze-${randomUUID()}`,
      QUALITY_LOADER_GROUP: `test-loader-${randomUUID()}`,
      QUALITY_MANIFEST_TOPIC: manifests,
      QUALITY_WAIT_TIMEOUT: '60s',
    };
    const args = ['quality-events', '--count', '5', '--topic', topic, '--wait'];
    const running = runCli(args, env);
    // Play the bronze sink: commit past the reports once all five are on the topic.
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (;;) {
        const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
        if (ends.reduce((n, e) => n + Number(e.high), 0) >= 5) {
          await admin.setOffsets({
            groupId: env.QUALITY_BRONZE_GROUP,
            topic,
            partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
          });
          break;
        }
        await sleep(200);
      }
    } finally {
      await admin.disconnect();
    }
    const applied = await running;
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    expect(applied.stdout).toContain('applied by the warehouse loader');

    const late = await runCli(args, {
      ...env,
      QUALITY_BRONZE_GROUP: `test-bronze-${randomUUID()}`,
      QUALITY_WAIT_TIMEOUT: '1s',
    });
    expect(late.code).toBe(1);
    expect(late.stdout).not.toContain('applied by the warehouse loader');
    expect(late.stderr).toContain('has not committed past the run');
  });

  it('exits 2 on a usage error', async () => {
    const result = await runCli(['quality-events', '--count', 'many'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--count expects an integer');
  });
});
