/**
 * Command line and environment → the settings of a run. Flags override the environment
 * (config.ts); every problem of both is reported at once, and this is testable without a process.
 */
import { parseArgs } from 'node:util';
import { ConfigError, type LogLevel, loadConfig, parseDuration } from '@lakestream/config';
import { TOPIC_NAME } from '@lakestream/kafka';
import { producerConfig } from './config.js';
import { CSV_PARSERS, type CsvParser, parseEncoding } from './csv-source.js';
import type { PaceMode } from './pacer.js';
import type { ProducerSettings } from './run-producer.js';
import { COMPRESSIONS, type Compression } from './topic-emitter.js';

/** The usage text printed by `--help` and after an argument error. */
export const USAGE = `Usage: lakestream-producer [options] FILE... (or - for stdin)

Streams DataCo order-item CSV files into Kafka: valid rows as OrderItemEvent JSON keyed by
Order Id, invalid rows to the dead-letter topic with every reason. Exit status: 0 done (also
with dead letters, and after SIGTERM/SIGINT once in-flight batches are flushed), 1 Kafka or disk
failure (rerun with --resume), 2 bad flags, configuration, header or input.

Input:
  --encoding ENC          latin1 (default; also latin-1, iso-8859-1) or utf-8
  --max-record-size N     bytes; a longer row is a dead letter "record too large" (default 262144)
  --parser P              fast (default) or csv-parse (the reference implementation, slower)
  --resume                skip rows a checkpoint says were acknowledged (files only)

Pacing (default: as fast as the broker allows):
  --rate N                N rows per second
  --speedup X             replay along the order dates, X times faster than real time
  --max-gap DURATION      longest pause of a --speedup replay (default 10s)

Kafka:
  --brokers LIST          bootstrap brokers host:port,… (default: KAFKA_BROKERS)
  --topic NAME            events topic (default lakestream.order_items.v1)
  --dlq-topic NAME        dead-letter topic (default lakestream.order_items.dlq.v1)
  --partitions N          partitions when creating the topics (default 3)
  --batch-size N          messages per produce request (default 1000)
  --batch-bytes N         bytes per produce request (default 900000)
  --linger DURATION       an idle lane sends a partial batch after this (default 20ms)
  --lanes N               parallel idempotent producers (default 3)
  --compression C         none (default) or gzip

Other:
  --metrics-port PORT     serve /healthz, /readyz, /metrics while running
  -h, --help              print this help

Every option also has an environment variable (PRODUCER_TOPIC, PRODUCER_RATE, …; see README).`;

/** Process-level settings that are not part of a run. */
export interface RuntimeSettings {
  readonly logLevel: LogLevel;
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly shutdownGraceMs: number;
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
}

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'run';
      readonly settings: ProducerSettings;
      readonly runtime: RuntimeSettings;
    };

const OPTIONS = {
  encoding: { type: 'string' },
  parser: { type: 'string' },
  'max-record-size': { type: 'string' },
  resume: { type: 'boolean' },
  rate: { type: 'string' },
  speedup: { type: 'string' },
  'max-gap': { type: 'string' },
  brokers: { type: 'string' },
  topic: { type: 'string' },
  'dlq-topic': { type: 'string' },
  partitions: { type: 'string' },
  'batch-size': { type: 'string' },
  'batch-bytes': { type: 'string' },
  linger: { type: 'string' },
  lanes: { type: 'string' },
  compression: { type: 'string' },
  'metrics-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads flags: problems are collected, never thrown, so all are reported together. */
class FlagReader {
  readonly problems: string[] = [];

  constructor(private readonly values: Record<string, string | boolean | undefined>) {}

  private text(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const text = this.text(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      this.problems.push(
        `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
      );
      return fallback;
    }
    return value;
  }

  positive(name: string, fallback: number | undefined): number | undefined {
    const text = this.text(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) || !(value > 0)) {
      this.problems.push(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
      return fallback;
    }
    return value;
  }

  duration(name: string, fallback: number): number {
    const text = this.text(name);
    if (text === undefined) return fallback;
    const value = parseDuration(text);
    if (value === undefined) {
      this.problems.push(
        `--${name} must be a duration like 500ms, 10s or 1m, got ${JSON.stringify(text)}`,
      );
      return fallback;
    }
    return value;
  }

  string(name: string, fallback: string, check?: (text: string) => string | undefined): string {
    const text = this.text(name);
    if (text === undefined) return fallback;
    const problem = check?.(text);
    if (problem !== undefined) {
      this.problems.push(`--${name} ${problem}, got ${JSON.stringify(text)}`);
      return fallback;
    }
    return text;
  }
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** Turns argv (without node and the script) and the environment into a command. */
export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliCommand {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed: ReturnType<
    typeof parseArgs<{
      options: typeof OPTIONS;
      allowPositionals: true;
      strict: true;
      args: string[];
    }>
  >;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  let config: ReturnType<typeof loadConfig<typeof producerConfig>> | undefined;
  try {
    config = loadConfig(producerConfig, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((problem) => problem.message));
  }
  if (positionals.length === 0) {
    problems.push('no input: give one or more CSV files, or - for standard input');
  }
  if (positionals.filter((input) => input === '-').length > 1) {
    problems.push('standard input (-) can be read only once');
  }
  if (config === undefined) return { kind: 'error', message: problems.join('\n') };

  const flags = new FlagReader(values);
  const encodingText = flags.string('encoding', config.encoding, (text) =>
    parseEncoding(text) === undefined ? 'must be latin1 or utf-8' : undefined,
  );
  const parser = flags.string('parser', config.parser, (text) =>
    (CSV_PARSERS as readonly string[]).includes(text)
      ? undefined
      : `must be ${CSV_PARSERS.join(' or ')}`,
  ) as CsvParser;
  const topic = flags.string('topic', config.topic, (text) =>
    TOPIC_NAME.pattern.test(text) ? undefined : 'must be a Kafka topic name',
  );
  const deadLetterTopic = flags.string('dlq-topic', config.deadLetterTopic, (text) =>
    TOPIC_NAME.pattern.test(text) ? undefined : 'must be a Kafka topic name',
  );
  const compression = flags.string('compression', config.compression, (text) =>
    (COMPRESSIONS as readonly string[]).includes(text)
      ? undefined
      : `must be ${COMPRESSIONS.join(' or ')}`,
  ) as Compression;
  const brokersText = flags.string('brokers', config.kafkaBrokers.join(','), (text) =>
    text.split(',').every((part) => HOST_PORT.test(part.trim()))
      ? undefined
      : 'must be a host:port list',
  );
  const rate = flags.int('rate', config.rate ?? 0, 1) || undefined;
  const speedup = flags.positive(
    'speedup',
    config.speedup === undefined ? undefined : Number(config.speedup),
  );
  const maxGapMs = flags.duration('max-gap', config.maxGapMs);
  if (rate !== undefined && speedup !== undefined) {
    problems.push(
      '--rate and --speedup cannot be combined: choose a fixed rate or event-time replay',
    );
  }
  const pace: PaceMode =
    rate !== undefined
      ? { kind: 'rate', rowsPerSecond: rate }
      : speedup !== undefined
        ? { kind: 'event-time', speedup, maxGapMs }
        : { kind: 'bulk' };

  const settings: ProducerSettings = {
    inputs: positionals,
    topic,
    deadLetterTopic,
    partitions: flags.int('partitions', config.partitions, 1, 1000),
    encoding: parseEncoding(encodingText) ?? 'latin1',
    parser,
    maxRecordBytes: flags.int('max-record-size', config.maxRecordBytes, 1024, 16 * 1024 * 1024),
    maxRawBytes: config.maxRawBytes,
    maxMessageBytes: config.maxMessageBytes,
    batchMessages: flags.int('batch-size', config.batchMessages, 1, 100_000),
    batchBytes: flags.int('batch-bytes', config.batchBytes, 1024, 64 * 1024 * 1024),
    lingerMs: flags.duration('linger', config.lingerMs),
    lanes: flags.int('lanes', config.lanes, 1, 64),
    compression,
    pace,
    resume: values.resume === true || config.resume,
    lakestreamHome: config.lakestreamHome,
  };
  const metricsPort = flags.int('metrics-port', config.metricsPort ?? -1, 0, 65535);
  problems.push(...flags.problems);
  if (problems.length > 0) return { kind: 'error', message: problems.join('\n') };
  return {
    kind: 'run',
    settings,
    runtime: {
      logLevel: config.logLevel,
      brokers: brokersText.split(',').map((part) => part.trim()),
      clientId: config.kafkaClientId,
      shutdownGraceMs: config.shutdownGraceMs,
      metricsPort: metricsPort < 0 ? undefined : metricsPort,
      metricsHost: config.metricsHost,
    },
  };
}
