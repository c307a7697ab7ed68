/**
 * The two Kafka clients of the project side by side as consumers: kafkajs (every consumer, the
 * admin and the sinks' transactions) and @platformatic/kafka (the producer's sends). Each reads
 * the same topic of order-item-sized JSON messages from the beginning, in a group of its own,
 * until it has every message; rounds in turn, medians compared, wall time and this process's CPU.
 * Not asserted: the figures are printed.
 *
 *   pnpm --filter @lakestream/kafka bench      (BENCH_MESSAGES=…, BENCH_RUNS=… to change them)
 */
import { randomUUID } from 'node:crypto';
import { ensureStack } from '@lakestream/devstack';
import { createLogger } from '@lakestream/observability';
import { Consumer } from '@platformatic/kafka';
import { logLevel } from 'kafkajs';
import { createKafka, ensureTopics } from '../src/index.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 180_519);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PARTITIONS = 3;
/** An order-item event's size on the topic. */
const VALUE_BYTES = 1_600;

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const stack = await ensureStack({ services: ['kafka'], progress: say });
const brokers = stack.env.KAFKA_BROKERS!.split(',');
const logger = createLogger({ service: 'kafka-client-bench', level: 'warn' });
const kafka = createKafka({
  brokers,
  clientId: 'kafka-client-bench',
  logger,
  overrides: { logLevel: logLevel.NOTHING },
});
const topic = `bench.consumers.${randomUUID().slice(0, 8)}`;
const groups: string[] = [];
const group = () => {
  const id = `bench-consumers-${randomUUID()}`;
  groups.push(id);
  return id;
};

/** Wall seconds and CPU seconds (user + system) of this process for `work`. */
async function measure(work: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** kafkajs as the sinks use it: eachBatch, every message's value touched. */
async function readWithKafkajs(): Promise<void> {
  const consumer = kafka.consumer({
    groupId: group(),
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) bytes += message.value?.length ?? 0;
          seen += batch.messages.length;
          if (seen >= MESSAGES) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  if (bytes === 0) throw new Error('kafkajs read no bytes');
}

/** @platformatic/kafka's consumer stream, values as buffers. */
async function readWithPlatformatic(): Promise<void> {
  const consumer = new Consumer({
    clientId: 'kafka-client-bench',
    groupId: group(),
    bootstrapBrokers: brokers,
    maxBytes: 8 * 1024 * 1024,
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let seen = 0;
  let bytes = 0;
  for await (const message of stream) {
    bytes += (message.value as Buffer | undefined)?.length ?? 0;
    if (++seen >= MESSAGES) break;
  }
  await stream.close();
  await consumer.close();
  if (bytes === 0) throw new Error('@platformatic/kafka read no bytes');
}

const admin = kafka.admin();
try {
  await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
  const producer = kafka.producer();
  await producer.connect();
  const padding = 'x'.repeat(VALUE_BYTES - 60);
  for (let i = 0; i < MESSAGES; i += 1_000) {
    const messages = [];
    for (let n = i; n < Math.min(MESSAGES, i + 1_000); n++) {
      messages.push({
        key: String(n % 66_681),
        value: JSON.stringify({ schema_version: 1, order_item_id: n, padding }),
      });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  say(`${MESSAGES.toLocaleString('en-US')} messages of ~${VALUE_BYTES} B on ${topic}`);

  const clients: [string, () => Promise<void>][] = [
    ['kafkajs 2.2.4 (eachBatch)', readWithKafkajs],
    ['@platformatic/kafka 1.22.0 (stream)', readWithPlatformatic],
  ];
  const results = new Map<string, { wall: number; cpu: number }[]>();
  for (let round = 0; round < RUNS; round++) {
    for (const [label, read] of clients) {
      const result = await measure(read);
      results.set(label, [...(results.get(label) ?? []), result]);
      say(
        `round ${round + 1}: ${label} ${result.wall.toFixed(2)} s, CPU ${result.cpu.toFixed(2)} s`,
      );
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  console.log(
    `consumers, ${MESSAGES.toLocaleString('en-US')} messages of ~${VALUE_BYTES} B, ${PARTITIONS} partitions, median of ${RUNS} rounds:`,
  );
  for (const [label, runs] of results) {
    const wall = median(runs.map((r) => r.wall));
    const cpu = median(runs.map((r) => r.cpu));
    console.log(
      `  ${label.padEnd(38)} ${Math.round(MESSAGES / wall)
        .toLocaleString('en-US')
        .padStart(8)} msg/s (${wall.toFixed(2)} s, CPU ${cpu.toFixed(2)} s)`,
    );
  }
} finally {
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.deleteGroups(groups).catch(() => {});
  await admin.disconnect();
  await stack.stop();
}
