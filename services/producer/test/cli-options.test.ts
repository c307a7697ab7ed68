import { TOPICS } from '@lakestream/kafka';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/index.js';

const env = {};

function run(argv: string[], environment: NodeJS.ProcessEnv = env) {
  const command = parseCliArgs(argv, environment);
  if (command.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(command)}`);
  return command;
}

function error(argv: string[], environment: NodeJS.ProcessEnv = env): string {
  const command = parseCliArgs(argv, environment);
  if (command.kind !== 'error') throw new Error(`expected an error, got ${command.kind}`);
  return command.message;
}

describe('parseCliArgs', () => {
  it('has defaults for everything but the inputs', () => {
    const { settings, runtime } = run(['a.csv', 'b.csv']);
    expect(settings).toMatchObject({
      inputs: ['a.csv', 'b.csv'],
      topic: TOPICS.orderItems,
      deadLetterTopic: TOPICS.orderItemsDlq,
      encoding: 'latin1',
      maxRecordBytes: 262_144,
      batchMessages: 1_000,
      lanes: 3,
      compression: 'none',
      pace: { kind: 'bulk' },
      resume: false,
      lakestreamHome: '.lakestream',
    });
    expect(runtime).toMatchObject({ brokers: ['127.0.0.1:9092'], metricsPort: undefined });
  });

  it('prints help', () => {
    expect(parseCliArgs(['--help'], env)).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h'], env)).toEqual({ kind: 'help' });
  });

  it('names an unknown flag', () => {
    expect(error(['--rows', '5', 'a.csv'])).toMatch(/Unknown option '--rows'/);
  });

  it('requires an input, and reads stdin once at most', () => {
    expect(error([])).toMatch(/no input: give one or more CSV files, or - for standard input/);
    expect(error(['-', '-'])).toMatch(/standard input \(-\) can be read only once/);
  });

  it('reports every bad flag value at once', () => {
    const message = error([
      '--lanes',
      '0',
      '--batch-size',
      'many',
      '--encoding',
      'ebcdic',
      'a.csv',
    ]);
    expect(message).toContain('--lanes must be an integer from 1 to 64, got "0"');
    expect(message).toContain('--batch-size must be an integer from 1 to 100000, got "many"');
    expect(message).toContain('--encoding must be latin1 or utf-8, got "ebcdic"');
  });

  it('reads pacing flags, and refuses --rate with --speedup', () => {
    expect(run(['--rate', '400', 'a.csv']).settings.pace).toEqual({
      kind: 'rate',
      rowsPerSecond: 400,
    });
    expect(run(['--speedup', '3600', '--max-gap', '2s', 'a.csv']).settings.pace).toEqual({
      kind: 'event-time',
      speedup: 3600,
      maxGapMs: 2_000,
    });
    expect(error(['--rate', '10', '--speedup', '2', 'a.csv'])).toMatch(/cannot be combined/);
    expect(error(['--speedup', '0', 'a.csv'])).toMatch(/--speedup must be a positive number/);
  });

  it('takes the environment, with flags overriding it', () => {
    const environment = {
      PRODUCER_TOPIC: 'from-env',
      PRODUCER_ENCODING: 'utf8',
      PRODUCER_RATE: '50',
      KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
      LAKESTREAM_HOME: '/var/lib/lakestream',
    };
    const { settings, runtime } = run(['--topic', 'from-flag', 'a.csv'], environment);
    expect(settings).toMatchObject({
      topic: 'from-flag',
      encoding: 'utf8',
      pace: { kind: 'rate', rowsPerSecond: 50 },
      lakestreamHome: '/var/lib/lakestream',
    });
    expect(runtime.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(run(['--encoding', 'UTF-8', 'a.csv']).settings.encoding).toBe('utf8');
    expect(run(['--encoding', 'ISO-8859-1', 'a.csv'], environment).settings.encoding).toBe(
      'latin1',
    );
  });

  it('lists every configuration problem, typos included', () => {
    const message = error(['a.csv'], { PRODUCER_LANES: 'x', PRODUCER_TOPPIC: 'a' });
    expect(message).toContain("PRODUCER_LANES: expected an integer between 1 and 64, got 'x'");
    expect(message).toContain(
      'PRODUCER_TOPPIC: unknown variable for prefix PRODUCER_ (did you mean PRODUCER_TOPIC?)',
    );
  });
});
