/**
 * Producer throughput on a full-size file (180,519 generated rows), beside kcat (librdkafka)
 * producing the very same keys and event JSON to another topic of the same shape, in rounds
 * (median of each). Not asserted: the numbers and their ratio are printed.
 *
 *   pnpm --filter @lakestream/producer bench
 *   BENCH_RUNS=5 …     rounds (default 3)
 *   BENCH_MATRIX=1 …   also tries other lanes / batch sizes / compression
 *
 * Besides the whole producer it times each half alone – the emitter sending events serialized
 * beforehand, and the source parsing the file without sending – since each bounds the whole.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ROWS, writeCsv } from '@lakestream/datagen';
import { ensureStack } from '@lakestream/devstack';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import { logLevel } from 'kafkajs';
import { CsvSource, type ProducerSettings, runProducer, TopicEmitter } from '../src/index.js';

const PARTITIONS = 3;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const stack = await ensureStack({
  services: ['kafka'],
  progress: (message) => process.stderr.write(`[devstack] ${message}\n`),
});
const brokers = stack.env.KAFKA_BROKERS!;
const logger = createLogger({ service: 'producer-bench', level: 'warn' });
const kafka = createKafka({
  brokers: brokers.split(','),
  clientId: 'producer-bench',
  logger,
  overrides: { logLevel: logLevel.NOTHING },
});
const dir = await mkdtemp(join(tmpdir(), 'producer-bench-'));
const topics: string[] = [];
const freshTopic = () => {
  const topic = `bench-producer-${Date.now()}-${topics.length}`;
  topics.push(topic, `${topic}.dlq`);
  return topic;
};

try {
  const csv = join(dir, 'dataco.csv');
  const generated = await writeCsv({ rows: DEFAULT_ROWS, seed: 42, out: csv });
  console.log(
    `input: ${generated.rows.toLocaleString('en-US')} rows, ${(generated.bytes / 1e6).toFixed(1)} MB (latin-1)`,
  );

  const base: Omit<ProducerSettings, 'topic' | 'deadLetterTopic'> = {
    inputs: [csv],
    partitions: PARTITIONS,
    encoding: 'latin1',
    parser: 'fast',
    maxRecordBytes: 256 * 1024,
    maxRawBytes: 64 * 1024,
    maxMessageBytes: 1_000_000,
    batchMessages: 1_000,
    batchBytes: 900_000,
    lingerMs: 20,
    lanes: 3,
    compression: 'none',
    pace: { kind: 'bulk' },
    resume: false,
    lakestreamHome: join(dir, 'home'),
  };
  const variants: [string, Partial<ProducerSettings>][] = [
    ['defaults (lanes 3, batch 1000, none)', {}],
  ];
  if (process.env.BENCH_MATRIX) {
    variants.push(
      ['lanes 1', { lanes: 1 }],
      ['batch 500', { batchMessages: 500 }],
      ['batch 2000', { batchMessages: 2_000, batchBytes: 1_000_000 }],
      ['gzip', { compression: 'gzip' }],
      ['parser csv-parse', { parser: 'csv-parse' }],
    );
  }
  // The very same serialized events, in memory: what kcat and the emitter alone are fed.
  const serialized: { row: number; key: string; value: string }[] = [];
  const csvSource = () =>
    new CsvSource({
      input: csv,
      encoding: 'latin1',
      maxRecordBytes: 256 * 1024,
      maxRawBytes: 64 * 1024,
    });
  for await (const chunk of csvSource().items()) {
    for (const item of chunk) {
      if (item.kind === 'event') {
        serialized.push({ row: item.position.row, key: item.key, value: item.value });
      }
    }
  }
  const events = serialized.length;
  // kcat reads key<TAB>value lines (JSON escapes tabs and line breaks, so lines stay whole).
  const lines = join(dir, 'events.tsv');
  {
    const out = createWriteStream(lines);
    for (let i = 0; i < serialized.length; i += 1000) {
      const text = serialized
        .slice(i, i + 1000)
        .map(({ key, value }) => `${key}\t${value}\n`)
        .join('');
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  const kcat = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (kcat.error)
    console.log('reference: kcat not found (Debian: apt-get install -y kcat); skipped');

  /** The whole producer: read, parse, validate, serialise, send. */
  const timeProducer = async (overrides: Partial<ProducerSettings>): Promise<number> => {
    const topic = freshTopic();
    const result = await runProducer(
      { ...base, ...overrides, topic, deadLetterTopic: `${topic}.dlq` },
      { kafka, brokers: brokers.split(','), logger },
    );
    if (result.valid !== events) throw new Error(`producer sent ${result.valid} events`);
    return result.seconds;
  };

  /** The Kafka half alone (the emitter, nothing to parse): the producer's ceiling. */
  const timeEmitter = async (): Promise<number> => {
    const topic = freshTopic();
    await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
    const emitter = new TopicEmitter({
      brokers: brokers.split(','),
      clientId: 'producer-bench',
      topic,
      partitions: PARTITIONS,
      deadLetterTopic: `${topic}.dlq`,
      deadLetterPartitions: PARTITIONS,
      lanes: base.lanes,
      batchMessages: base.batchMessages,
      batchBytes: base.batchBytes,
      lingerMs: base.lingerMs,
      compression: base.compression,
    });
    await emitter.connect();
    const started = performance.now();
    for (const { row, key, value } of serialized) {
      const wait = emitter.addEvent(row, key, value);
      if (wait) await wait;
    }
    await emitter.drain();
    const seconds = (performance.now() - started) / 1000;
    await emitter.close();
    return seconds;
  };

  /** The other half alone (read, frame, validate, serialise; nothing sent): the producer's other ceiling. */
  const timeParse = async (): Promise<number> => {
    const started = performance.now();
    let parsed = 0;
    for await (const chunk of csvSource().items())
      for (const item of chunk) if (item.kind === 'event') parsed++;
    const seconds = (performance.now() - started) / 1000;
    if (parsed !== events) throw new Error(`parsed ${parsed} events`);
    return seconds;
  };

  /** The reference: kcat reads the file itself (its standard input is the file), as the producer does. */
  const timeKcat = async (): Promise<number> => {
    const topic = freshTopic();
    await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
    const input = openSync(lines, 'r');
    const started = performance.now();
    const child = spawn('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t'], {
      stdio: [input, 'inherit', 'inherit'],
    });
    closeSync(input);
    const [code] = (await once(child, 'exit')) as [number];
    if (code !== 0) throw new Error(`kcat exited with ${code}`);
    return (performance.now() - started) / 1000;
  };

  // Rounds in turn – each variant, the emitter, kcat – so that a drift of the machine (the
  // broker's page cache writing back earlier rounds) touches all of them alike; medians compared.
  const times = new Map<string, number[]>();
  const note = (label: string, seconds: number) => {
    times.set(label, [...(times.get(label) ?? []), seconds]);
    console.log(`  round: ${label.padEnd(45)} ${seconds.toFixed(2)} s`);
  };
  for (let round = 0; round < RUNS; round++) {
    for (const [label, overrides] of variants)
      note(`producer ${label}`, await timeProducer(overrides));
    note('emitter alone (pre-serialized events)', await timeEmitter());
    note('parse alone (CSV to event JSON, not sent)', await timeParse());
    if (!kcat.error) note("reference: kcat -P -K '\\t' (same events)", await timeKcat());
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const rateOf = (label: string) => events / median(times.get(label)!);
  console.log(`median of ${RUNS} rounds, ${events.toLocaleString('en-US')} events:`);
  for (const label of times.keys()) {
    console.log(
      `${label.padEnd(47)} ${Math.round(rateOf(label)).toLocaleString('en-US').padStart(8)} rows/s (${median(times.get(label)!).toFixed(2)} s)`,
    );
  }
  if (!kcat.error) {
    const reference = rateOf("reference: kcat -P -K '\\t' (same events)");
    const best = Math.max(...variants.map(([label]) => rateOf(`producer ${label}`)));
    console.log(`ratio producer / kcat: ${(best / reference).toFixed(2)}`);
    console.log(
      `ratio emitter alone / kcat: ${(rateOf('emitter alone (pre-serialized events)') / reference).toFixed(2)}`,
    );
    // Each half bounds the whole: run one after the other on one thread, or side by side on
    // cores shared with the broker, the producer cannot beat the slower of them.
    console.log(
      `ratio parse alone / kcat: ${(rateOf('parse alone (CSV to event JSON, not sent)') / reference).toFixed(2)}`,
    );
  }
} finally {
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) }).catch(() => {});
  await admin.disconnect();
  await rm(dir, { recursive: true, force: true });
  await stack.stop();
}
