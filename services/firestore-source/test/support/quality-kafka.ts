/**
 * Test support of the quality-report commands: a Kafka client on the stack's broker, topics of
 * the test's own, reading them back, and running the CLI as a child process.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createKafka, readTopicToEnd, type TopicRecord } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';

const SERVICE_DIR = join(import.meta.dirname, '..', '..');

/** The stack's broker (the global set-up exports KAFKA_BROKERS). */
export function brokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
}

/** A kafkajs client for the test. */
export function testKafka(): Kafka {
  return createKafka({
    brokers: brokers(),
    clientId: 'firestore-quality-test',
    logger: createLogger({ service: 'test', level: 'warn' }),
  });
}

/** A topic name of the test's own. */
export function testTopic(what: string): string {
  return `test.quality.${what}.${randomUUID().slice(0, 8)}`;
}

/** Every record of a topic, up to its end now. */
export function readAll(kafka: Kafka, topic: string): Promise<TopicRecord[]> {
  return readTopicToEnd(kafka, topic, { groupIdPrefix: 'test-quality-read', timeoutMs: 60_000 });
}

/** Deletes the test's topics. */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ours = topics.filter((t) => existing.has(t));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** `firestore-source ARGS` from the sources; resolves with its exit status and output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', 'src/main.ts', ...args],
      {
        cwd: SERVICE_DIR,
        env: { ...process.env, KAFKA_BROKERS: brokers().join(','), LOG_LEVEL: 'warn', ...env },
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
