import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  describeConfig,
  loadConfig,
  MIN_EVERY_MS,
  parseEvery,
} from '@lakestream/config';
import { TOPICS } from '@lakestream/kafka';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli.js';
import { duckdbPathOf, storageUrlOf, warehouseLoaderConfig } from '../src/config.js';
import { LOADER_ERROR_CODES } from '../src/errors.js';

const SERVICE_DIR = join(import.meta.dirname, '..');

describe('warehouse loader configuration', () => {
  it('runs on defaults: DuckDB in $LAKESTREAM_HOME from $LAKESTREAM_HOME/lake', () => {
    const env = { LAKESTREAM_HOME: '/srv/lakestream' };
    const config = loadConfig(warehouseLoaderConfig, env);
    expect(config).toMatchObject({
      target: 'duckdb',
      bigqueryDataset: 'silver',
      topic: TOPICS.silverBatches,
      groupId: 'lakestream-warehouse-loader',
    });
    expect(storageUrlOf(config)).toBe('/srv/lakestream/lake');
    expect(duckdbPathOf(config)).toBe('/srv/lakestream/warehouse.duckdb');
  });

  it("defaults LAKESTREAM_HOME to the project's .lakestream/, wherever it is started from", () => {
    const config = loadConfig(warehouseLoaderConfig, {});
    const root = join(SERVICE_DIR, '..', '..');
    expect(duckdbPathOf(config, '/tmp')).toBe(join(root, '.lakestream', 'warehouse.duckdb'));
    expect(storageUrlOf(config)).toBe(join(root, '.lakestream', 'lake'));
    const relative = { LAKESTREAM_HOME: 'state' };
    expect(duckdbPathOf(loadConfig(warehouseLoaderConfig, relative), '/srv')).toBe(
      '/srv/state/warehouse.duckdb',
    );
  });

  it('reads every variable', () => {
    const env = {
      WAREHOUSE_TARGET: 'BigQuery',
      WAREHOUSE_DUCKDB_PATH: 'wh.duckdb',
      WAREHOUSE_LOADER_STORAGE_URL: 'gs://lake-bucket/prod',
      BIGQUERY_PROJECT: 'p',
      BIGQUERY_DATASET: 'silver_prod',
      BIGQUERY_LOCATION: 'EU',
      BIGQUERY_EMULATOR_HOST: 'http://127.0.0.1:9050',
      WAREHOUSE_LOADER_RETRY_MAX: '30s',
    };
    const config = loadConfig(warehouseLoaderConfig, env);
    expect(config).toMatchObject({
      target: 'bigquery',
      bigqueryProject: 'p',
      bigqueryDataset: 'silver_prod',
      bigqueryLocation: 'EU',
      bigqueryEmulatorHost: 'http://127.0.0.1:9050',
      retryMaxMs: 30_000,
    });
    expect(storageUrlOf(config)).toBe('gs://lake-bucket/prod');
    expect(duckdbPathOf(config, '/work')).toBe('/work/wh.duckdb');
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig(warehouseLoaderConfig, {
        WAREHOUSE_TARGET: 'snowflake',
        WAREHOUSE_LOADER_STORAGE_URL: 's3://bucket/x',
        BIGQUERY_DATASET: 'my-dataset',
        WAREHOUSE_LOADER_RETRYS: '3',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([
      'WAREHOUSE_TARGET',
      'WAREHOUSE_LOADER_STORAGE_URL',
      'BIGQUERY_DATASET',
      'WAREHOUSE_LOADER_RETRYS',
    ]);
  });

  it('is documented in the README from the same definition, error codes included', () => {
    const readme = readFileSync(join(SERVICE_DIR, 'README.md'), 'utf8');
    const table = /<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
    expect(table).toBe(describeConfig(warehouseLoaderConfig));
    for (const code of LOADER_ERROR_CODES) expect(readme).toContain(`\`${code}\``);
  });
});

describe('command line', () => {
  it('reads the modes', () => {
    expect(parseCliArgs(['run'])).toEqual({ kind: 'run' });
    expect(parseCliArgs(['run', '--every', '15m'])).toEqual({ kind: 'run', everyMs: 900_000 });
    expect(parseCliArgs(['run', '--every=1h30m'])).toEqual({ kind: 'run', everyMs: 5_400_000 });
    expect(parseCliArgs(['worker'])).toEqual({ kind: 'worker' });
    expect(parseCliArgs(['db-worker'])).toEqual({ kind: 'db-worker' });
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('explains what is wrong', () => {
    expect(parseCliArgs([])).toEqual({
      kind: 'error',
      message: 'missing the mode: run, worker, db-worker, documents-worker or gcs-load',
    });
    expect(parseCliArgs(['load'])).toMatchObject({
      message:
        "unknown mode 'load' (expected run, worker, db-worker, documents-worker or gcs-load)",
    });
    expect(parseCliArgs(['run', '--every', '15'])).toMatchObject({
      message: "--every expects a duration of at least 1s (like 30s, 15m, 1h), got '15'",
    });
    expect(parseCliArgs(['worker', '--every', '1m'])).toMatchObject({ kind: 'error' });
    expect(parseCliArgs(['db-worker', '--every', '1m'])).toMatchObject({ kind: 'error' });
    expect(parseCliArgs(['run', '--evry', '1m'])).toMatchObject({ kind: 'error' });
  });

  it('takes --every by the rule every scheduled command shares', () => {
    const tooShort = `${MIN_EVERY_MS - 1}ms`;
    expect(parseCliArgs(['run', '--every', tooShort])).toEqual({
      kind: 'error',
      message: (parseEvery(tooShort) as { error: string }).error,
    });
    expect(parseCliArgs(['run', '--every', `${MIN_EVERY_MS}ms`])).toEqual({
      kind: 'run',
      everyMs: MIN_EVERY_MS,
    });
  });
});
