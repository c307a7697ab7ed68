/**
 * Shared test kit: a Kafka client on the devstack broker, fresh topic names per test (deleted
 * afterwards), DataCo CSV files built from the generator with hand-made damage, and a reader that
 * fetches everything on a topic.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeCsvLine, generateOrderItems } from '@lakestream/datagen';
import { createKafka } from '@lakestream/kafka';
import { type DeadLetterRecord, type FileSource, parseDeadLetter } from '@lakestream/lake';
import { createLogger } from '@lakestream/observability';
import { ORDER_ITEM_HEADERS } from '@lakestream/schema';
import { type Kafka, logLevel } from 'kafkajs';
import type { ProducerSettings } from '../src/index.js';

/** A producer's dead letter: the lake's record, its source a file row, its raw value the row. */
export type RowDeadLetter = DeadLetterRecord & { source: FileSource; raw: string };

/** Reads a dead-letter value as the lake's one record, and checks that a file row is its source. */
export function parseRowDeadLetter(value: string): RowDeadLetter {
  const record = parseDeadLetter(value);
  if (record.source.kind !== 'file' || record.raw === null) {
    throw new Error(`not a row's dead letter: ${value}`);
  }
  return record as RowDeadLetter;
}

export const logger = createLogger({ service: 'producer-test', level: 'silent' });

/** The devstack's bootstrap brokers. */
export const brokers: readonly string[] = process.env.KAFKA_BROKERS!.split(',');

export function testKafka(): Kafka {
  return createKafka({
    brokers: [...brokers],
    clientId: 'producer-test',
    logger,
    overrides: { logLevel: logLevel.NOTHING },
  });
}

/** Column positions used to damage rows. */
export const COLUMN = Object.fromEntries(ORDER_ITEM_HEADERS.map((h, i) => [h, i])) as Record<
  string,
  number
>;

/** `rows` generated order items (seeded), as field lists. */
export function generatedRows(rows: number, seed = 7): string[][] {
  return [...generateOrderItems({ rows, seed })].map((fields) => [...fields]);
}

/** CSV text (header + rows), every line LF-terminated unless `trailingNewline` is false. */
export function csvText(
  rows: readonly (readonly string[])[],
  header: readonly string[] = ORDER_ITEM_HEADERS,
): string {
  return [header, ...rows].map((fields) => encodeCsvLine(fields)).join('');
}

/** A temporary folder for one test file, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'producer-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes text as latin-1 bytes (the DataCo encoding). */
export async function writeLatin1(path: string, text: string): Promise<string> {
  await writeFile(path, Buffer.from(text, 'latin1'));
  return path;
}

/** Fresh topic names; `deleteTopics` removes whichever exist. */
export function freshTopics(): { topic: string; deadLetterTopic: string } {
  const id = randomUUID().slice(0, 8);
  return { topic: `test-producer-${id}`, deadLetterTopic: `test-producer-${id}.dlq` };
}

export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}

export async function topicExists(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

/** Settings of a test run: fast, small batches, no pacing. */
export function settings(
  overrides: Partial<ProducerSettings> &
    Pick<ProducerSettings, 'inputs' | 'topic' | 'deadLetterTopic' | 'lakestreamHome'>,
): ProducerSettings {
  return {
    partitions: 3,
    encoding: 'latin1',
    parser: 'fast',
    maxRecordBytes: 256 * 1024,
    maxRawBytes: 64 * 1024,
    maxMessageBytes: 1_000_000,
    batchMessages: 500,
    batchBytes: 900_000,
    lingerMs: 5,
    lanes: 3,
    compression: 'none',
    pace: { kind: 'bulk' },
    resume: false,
    ...overrides,
  };
}

/** One message read back. */
export interface ReadMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
}

/** Every message on `topic`, by reading each partition from the start to its end offset. */
export async function readTopic(kafka: Kafka, topic: string): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, number>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const wanted = [...ends.values()].reduce((a, b) => a + b, 0);
  if (wanted === 0) return [];
  const groupId = `test-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytes: 50 << 20 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${wanted} messages on ${topic}`)),
        30_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              messages.push({
                partition: batch.partition,
                offset: Number(m.offset),
                key: m.key?.toString('utf8') ?? null,
                value: m.value!.toString('utf8'),
              });
            }
            if (messages.length >= wanted) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => {});
    await cleanup.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** How a producer child process ended, with what it printed. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs src/main.ts in a child process (as `pnpm dev` does), with LAKESTREAM_HOME = `home`. */
export function startProducer(
  args: string[],
  home: string,
): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(
    process.execPath,
    ['--conditions=lakestream-source', '--import', 'tsx', 'src/main.ts', ...args],
    {
      cwd: PACKAGE_DIR,
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        LAKESTREAM_HOME: home,
        LOG_LEVEL: 'warn',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}
