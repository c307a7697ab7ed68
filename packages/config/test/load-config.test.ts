import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { commonFields } from '../src/common-fields.js';
import { defineConfig, field } from '../src/define-config.js';
import { envVar } from '../src/env-vars.js';
import { LakestreamError } from '../src/errors.js';
import { ConfigError, loadConfig } from '../src/load-config.js';

const producerConfig = defineConfig({
  prefix: 'LAKESTREAM_PRODUCER_',
  fields: {
    ...commonFields,
    topic: field('LAKESTREAM_PRODUCER_TOPIC', envVar.string(), { doc: 'Topic to produce to.' }),
    batchSize: field('LAKESTREAM_PRODUCER_BATCH_SIZE', envVar.int({ min: 1, max: 10_000 }), {
      doc: 'Records per batch.',
      default: '500',
    }),
    compress: field('LAKESTREAM_PRODUCER_COMPRESS', envVar.bool().optional(), {
      doc: 'Compress batches.',
    }),
    databaseUrl: field('DATABASE_URL', envVar.url({ protocols: ['postgres'] }), {
      doc: 'PostgreSQL connection URL.',
      secret: true,
    }),
    apiToken: field('LAKESTREAM_PRODUCER_API_TOKEN', envVar.string().optional(), {
      doc: 'Token for the upstream API.',
      secret: true,
    }),
  },
});

const validEnv = {
  LAKESTREAM_PRODUCER_TOPIC: 'orders.raw',
  DATABASE_URL: 'postgres://lake:s3cret-pw@db:5432/lake',
};

function loadError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(producerConfig, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies defaults and infers the config type', () => {
    const config = loadConfig(producerConfig, validEnv);
    expect(config).toEqual({
      logLevel: 'info',
      lakestreamHome: '.lakestream',
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaClientId: 'lakestream',
      shutdownGraceMs: 10_000,
      topic: 'orders.raw',
      batchSize: 500,
      compress: undefined,
      databaseUrl: 'postgres://lake:s3cret-pw@db:5432/lake',
      apiToken: undefined,
    });
    expectTypeOf(config.batchSize).toEqualTypeOf<number>();
    expectTypeOf(config.compress).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(config.logLevel).toEqualTypeOf<
      'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
    >();
    expectTypeOf(config.kafkaBrokers).toEqualTypeOf<readonly string[]>();
  });

  it('uses set values over defaults', () => {
    const config = loadConfig(producerConfig, {
      ...validEnv,
      LOG_LEVEL: 'debug',
      KAFKA_BROKERS: '127.0.0.1:9092,other:9093',
      SHUTDOWN_GRACE: '500ms',
      LAKESTREAM_PRODUCER_BATCH_SIZE: '20',
      LAKESTREAM_PRODUCER_COMPRESS: 'yes',
      METRICS_PORT: '0',
    });
    expect(config).toMatchObject({
      logLevel: 'debug',
      kafkaBrokers: ['127.0.0.1:9092', 'other:9093'],
      shutdownGraceMs: 500,
      batchSize: 20,
      compress: true,
      metricsPort: 0,
    });
  });

  it('treats an empty or blank value as unset', () => {
    const config = loadConfig(producerConfig, { ...validEnv, LOG_LEVEL: '', METRICS_PORT: '  ' });
    expect(config.logLevel).toBe('info');
    expect(config.metricsPort).toBe(9464);
    const err = loadError({ ...validEnv, LAKESTREAM_PRODUCER_TOPIC: '' });
    expect(err.problems.map((p) => p.kind)).toEqual(['missing']);
  });

  it('reports every missing, malformed and unknown variable in one error', () => {
    const err = loadError({
      KAFKA_BROKERS: 'foo',
      LOG_LEVEL: 'verbose',
      LAKESTREAM_PRODUCER_BATCH_SIZE: '0',
      LAKESTREAM_PRODUCER_TOPC: 'orders.raw',
      LAKESTREAM_PRODUCER_NONSENSE_SETTING: 'x',
      UNRELATED_VARIABLE: 'ignored: no prefix',
    });
    expect(err).toBeInstanceOf(LakestreamError);
    expect(err.code).toBe('LS_CONFIG_INVALID');
    expect(err.retryable).toBe(false);
    expect(err.problems.map((p) => [p.variable, p.kind])).toEqual([
      ['LOG_LEVEL', 'invalid'],
      ['KAFKA_BROKERS', 'invalid'],
      ['LAKESTREAM_PRODUCER_TOPIC', 'missing'],
      ['LAKESTREAM_PRODUCER_BATCH_SIZE', 'invalid'],
      ['DATABASE_URL', 'missing'],
      ['LAKESTREAM_PRODUCER_NONSENSE_SETTING', 'unknown'],
      ['LAKESTREAM_PRODUCER_TOPC', 'unknown'],
    ]);
    expect(err.message).toBe(
      [
        'Invalid configuration (7 problems):',
        "  LOG_LEVEL: expected one of trace|debug|info|warn|error|fatal, got 'verbose'",
        "  KAFKA_BROKERS: expected host:port list, got 'foo'",
        '  LAKESTREAM_PRODUCER_TOPIC: required but not set (Topic to produce to.)',
        "  LAKESTREAM_PRODUCER_BATCH_SIZE: expected an integer between 1 and 10000, got '0'",
        '  DATABASE_URL: required but not set (PostgreSQL connection URL.)',
        '  LAKESTREAM_PRODUCER_NONSENSE_SETTING: unknown variable for prefix LAKESTREAM_PRODUCER_',
        '  LAKESTREAM_PRODUCER_TOPC: unknown variable for prefix LAKESTREAM_PRODUCER_ (did you mean LAKESTREAM_PRODUCER_TOPIC?)',
      ].join('\n'),
    );
  });

  it('never puts a secret value into an error', () => {
    const err = loadError({
      LAKESTREAM_PRODUCER_TOPIC: 'orders.raw',
      DATABASE_URL: 'mysql://lake:s3cret-pw@db/lake',
    });
    expect(err.message).toContain(
      'DATABASE_URL: expected a URL (postgres://) (secret value not shown)',
    );
    expect(err.message).not.toContain('s3cret');
    expect(JSON.stringify(err.problems)).not.toContain('s3cret');
  });

  it('returns a deep-frozen object: mutation throws in strict mode', () => {
    const config = loadConfig(producerConfig, validEnv);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { batchSize: number }).batchSize = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.kafkaBrokers as string[]).push('evil:1');
    }).toThrow(TypeError);
  });

  it('redacts secrets when printed with JSON.stringify and util.inspect', () => {
    const config = loadConfig(producerConfig, {
      ...validEnv,
      LAKESTREAM_PRODUCER_API_TOKEN: 'tok-123456',
    });
    const json = JSON.stringify(config);
    expect(JSON.parse(json)).toMatchObject({
      databaseUrl: 'postgres://lake:[redacted]@db:5432/lake',
      apiToken: '[redacted]',
      topic: 'orders.raw',
    });
    const printed = inspect(config);
    for (const text of [json, printed]) {
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('tok-123456');
    }
    expect(printed).toContain("topic: 'orders.raw'");
    // The values themselves stay usable by the code that needs them.
    expect(config.apiToken).toBe('tok-123456');
    expect(Object.keys(config)).not.toContain('toJSON');
  });

  it('accepts plain zod schemas, optional and with zod defaults', () => {
    const definition = defineConfig({
      fields: {
        mode: field('MODE', z.enum(['a', 'b']).default('a'), { doc: 'Mode.' }),
        label: field('LABEL', z.string().min(3).optional(), { doc: 'Label.' }),
      },
    });
    expect(loadConfig(definition, {})).toEqual({ mode: 'a', label: undefined });
    expect(() => loadConfig(definition, { MODE: 'c', LABEL: 'x' })).toThrow(ConfigError);
  });

  it('ignores unknown variables when the definition has no prefix', () => {
    const definition = defineConfig({ fields: { logLevel: commonFields.logLevel } });
    expect(loadConfig(definition, { LAKESTREAM_WHATEVER: '1' })).toEqual({ logLevel: 'info' });
  });

  it('reads process.env by default', () => {
    const definition = defineConfig({
      fields: { home: field('LAKESTREAM_TEST_ONLY_HOME', envVar.string(), { doc: 'Home.' }) },
    });
    process.env.LAKESTREAM_TEST_ONLY_HOME = '/tmp/lake';
    try {
      expect(loadConfig(definition).home).toBe('/tmp/lake');
    } finally {
      delete process.env.LAKESTREAM_TEST_ONLY_HOME;
    }
  });
});

describe('defineConfig', () => {
  it('rejects two fields reading the same variable', () => {
    expect(() =>
      defineConfig({
        fields: {
          a: field('SAME', envVar.string(), { doc: 'A.' }),
          b: field('SAME', envVar.string(), { doc: 'B.' }),
        },
      }),
    ).toThrow("Config fields 'a' and 'b' both read SAME");
  });

  it('rejects names that are not UPPER_SNAKE_CASE', () => {
    expect(() =>
      defineConfig({ fields: { a: field('lower', envVar.string(), { doc: 'A.' }) } }),
    ).toThrow(/not an UPPER_SNAKE_CASE name/);
  });

  it('rejects a default its own schema does not accept, without echoing secret defaults', () => {
    expect(() =>
      defineConfig({ fields: { a: field('A', envVar.int(), { doc: 'A.', default: 'ten' }) } }),
    ).toThrow("Config field 'a': default 'ten' of A is invalid");
    expect(() =>
      defineConfig({
        fields: { a: field('A', envVar.int(), { doc: 'A.', default: 'hunter2', secret: true }) },
      }),
    ).toThrow("Config field 'a': default (secret) of A is invalid");
  });
});
