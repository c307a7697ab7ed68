import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig } from '@lakestream/config';
import { TOPICS } from '@lakestream/kafka';
import { describe, expect, it } from 'vitest';
import { bronzeSinkConfig, instanceIdOf, storageUrlOf } from '../src/index.js';
import { SERVICE_DIR } from './support/sink-process.js';

describe('bronze sink configuration', () => {
  it('runs on defaults: the order-items topic into $LAKESTREAM_HOME/lake', () => {
    const config = loadConfig(bronzeSinkConfig, { LAKESTREAM_HOME: '/srv/lakestream' });
    expect(config.topics).toEqual([TOPICS.orderItems]);
    expect(config.manifestTopic).toBe(TOPICS.bronzeFiles);
    expect(config).toMatchObject({
      maxRecords: 50_000,
      idleFlushMs: 1_000,
      gzipLevel: 3,
      shutdownGraceMs: 30_000,
    });
    expect(storageUrlOf(config)).toBe('/srv/lakestream/lake');
    expect(instanceIdOf(config)).toBe(hostname());
  });

  it('reads every variable', () => {
    const config = loadConfig(bronzeSinkConfig, {
      BRONZE_SINK_TOPICS: 'a.v1, b.v1',
      BRONZE_SINK_STORAGE_URL: 'gs://lake-bucket/prod',
      BRONZE_SINK_MAX_RECORDS: '1000',
      BRONZE_SINK_IDLE_FLUSH: '750ms',
      BRONZE_SINK_INSTANCE_ID: 'bronze-sink-0',
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443',
    });
    expect(config).toMatchObject({ topics: ['a.v1', 'b.v1'], maxRecords: 1000, idleFlushMs: 750 });
    expect(storageUrlOf(config)).toBe('gs://lake-bucket/prod');
    expect(instanceIdOf(config)).toBe('bronze-sink-0');
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig(bronzeSinkConfig, {
        BRONZE_SINK_TOPICS: 'ok,not a topic!',
        BRONZE_SINK_STORAGE_URL: 's3://bucket/x',
        BRONZE_SINK_MAX_RECORDS: '0',
        BRONZE_SINK_IDLE_FLUSH: '5',
        BRONZE_SINK_MAX_RECORD: '10',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable)).toEqual([
      'BRONZE_SINK_TOPICS',
      'BRONZE_SINK_STORAGE_URL',
      'BRONZE_SINK_MAX_RECORDS',
      'BRONZE_SINK_IDLE_FLUSH',
      'BRONZE_SINK_MAX_RECORD',
    ]);
    expect(problems[1]!.message).toContain("unsupported scheme 's3:'");
    expect(problems[4]!.message).toContain('did you mean BRONZE_SINK_MAX_RECORDS?');
  });

  it('is documented in the README from the same definition', () => {
    const readme = readFileSync(join(SERVICE_DIR, 'README.md'), 'utf8');
    const table = /<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
    expect(table).toBe(describeConfig(bronzeSinkConfig));
  });
});
