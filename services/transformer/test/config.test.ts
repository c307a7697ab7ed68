import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig } from '@lakestream/config';
import { TOPICS } from '@lakestream/kafka';
import { describe, expect, it } from 'vitest';
import { storageUrlOf, transformerConfig, workDirOf } from '../src/index.js';
import { mermaidErDiagram } from './support/er-diagram.js';
import { SERVICE_DIR } from './support/transformer-process.js';

describe('transformer configuration', () => {
  it('runs on defaults: the pipeline topics, $LAKESTREAM_HOME/lake, discovery by manifests', () => {
    const config = loadConfig(transformerConfig, { LAKESTREAM_HOME: '/srv/lakestream' });
    expect(config).toMatchObject({
      sourceTopic: TOPICS.orderItems,
      manifestTopic: TOPICS.bronzeFiles,
      announceTopic: TOPICS.silverBatches,
      bronzeGroupId: 'lakestream-bronze-sink',
      groupId: 'lakestream-transformer',
      discover: 'manifests',
      debounceMs: 5_000,
      kafkaClientId: 'lakestream-transformer',
    });
    expect(config.maxObjects).toBeUndefined();
    expect(storageUrlOf(config)).toBe('/srv/lakestream/lake');
    expect(workDirOf(config)).toBe(tmpdir());
  });

  it('reads every variable', () => {
    const config = loadConfig(transformerConfig, {
      TRANSFORMER_STORAGE_URL: 'gs://lake-bucket/prod',
      TRANSFORMER_DISCOVER: 'listing',
      TRANSFORMER_MAX_OBJECTS: '40',
      TRANSFORMER_DEBOUNCE: '2s',
      TRANSFORMER_DUCKDB_THREADS: '4',
      TRANSFORMER_DUCKDB_MEMORY_LIMIT: '2GB',
      TRANSFORMER_WORK_DIR: '/scratch',
    });
    expect(config).toMatchObject({
      discover: 'listing',
      maxObjects: 40,
      debounceMs: 2_000,
      duckdbThreads: 4,
      duckdbMemoryLimit: '2GB',
    });
    expect(storageUrlOf(config)).toBe('gs://lake-bucket/prod');
    expect(workDirOf(config)).toBe(join('/scratch'));
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig(transformerConfig, {
        TRANSFORMER_STORAGE_URL: 's3://bucket/x',
        TRANSFORMER_DISCOVER: 'guess',
        TRANSFORMER_DUCKDB_MEMORY_LIMIT: 'lots',
        TRANSFORMER_MAX_OBJECT: '3',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([
      'TRANSFORMER_STORAGE_URL',
      'TRANSFORMER_DISCOVER',
      'TRANSFORMER_DUCKDB_MEMORY_LIMIT',
      'TRANSFORMER_MAX_OBJECT',
    ]);
  });

  it('is documented in the README from the same definition', () => {
    const readme = readFileSync(join(SERVICE_DIR, 'README.md'), 'utf8');
    const table = /<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
    expect(table).toBe(describeConfig(transformerConfig));
  });
});

describe('README', () => {
  it('shows the star schema of packages/silver as a Mermaid erDiagram', () => {
    const readme = readFileSync(join(SERVICE_DIR, 'README.md'), 'utf8');
    const diagram = /<!-- er:start -->\n```mermaid\n([\s\S]*?)\n```\n<!-- er:end -->/.exec(
      readme,
    )?.[1];
    expect(diagram).toBe(mermaidErDiagram());
  });
});
