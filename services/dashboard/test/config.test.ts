import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, describeConfig } from '@lakestream/config';
import { describe, expect, it } from 'vitest';
import {
  dashboardConfig,
  dbtRunResultsOf,
  duckdbPathOf,
  loadDashboardConfig,
  storageUrlOf,
} from '../src/index.js';

const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));

function problemsOf(env: NodeJS.ProcessEnv) {
  try {
    loadDashboardConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('dashboard configuration', () => {
  it('runs on defaults: port 8080, the DuckDB file and lake in LAKESTREAM_HOME, both sinks', () => {
    const config = loadDashboardConfig({ LAKESTREAM_HOME: '/srv/lakestream' });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      warehouse: 'duckdb',
      cacheTtlMs: 5_000,
      refreshMs: 60_000,
      kafkaTimeoutMs: 5_000,
      lagGroups: [
        { groupId: 'lakestream-bronze-sink', topic: 'lakestream.order_items.v1' },
        { groupId: 'lakestream-audit-sink', topic: 'lakestream.order_items.v1' },
      ],
    });
    expect(duckdbPathOf(config)).toBe('/srv/lakestream/warehouse.duckdb');
    expect(storageUrlOf(config)).toBe('/srv/lakestream/lake');
    expect(dbtRunResultsOf(config)).toBe('/srv/lakestream/dbt/target/run_results.json');
  });

  it('reads every variable', () => {
    const config = loadDashboardConfig({
      DASHBOARD_PORT: '9000',
      DASHBOARD_WAREHOUSE: 'BigQuery',
      BIGQUERY_PROJECT: 'lakestream-prod',
      DASHBOARD_BIGQUERY_DATASET: 'gold_prod',
      DASHBOARD_LAG_GROUPS: 'a@t.v1, my@group@t2',
      DASHBOARD_STORAGE_URL: 'gs://lake-bucket/prod',
      DASHBOARD_DBT_RUN_RESULTS: '/x/run_results.json',
      DASHBOARD_CACHE_TTL: '0ms',
    });
    expect(config).toMatchObject({
      port: 9000,
      warehouse: 'bigquery',
      bigqueryProject: 'lakestream-prod',
      bigqueryDataset: 'gold_prod',
      cacheTtlMs: 0,
      lagGroups: [
        { groupId: 'a', topic: 't.v1' },
        { groupId: 'my@group', topic: 't2' },
      ],
    });
    expect(storageUrlOf(config)).toBe('gs://lake-bucket/prod');
    expect(dbtRunResultsOf(config)).toBe('/x/run_results.json');
  });

  it('reports every problem at once, including a BigQuery warehouse without a project', () => {
    expect(
      problemsOf({
        DASHBOARD_PORT: '99999',
        DASHBOARD_LAG_GROUPS: 'no-topic-here',
        DASHBOARD_STORAGE_URL: 's3://bucket/x',
        DASHBOARD_REFRESH: '10',
        DASHBOARD_WAREHOSE: 'duckdb',
      }).map((p) => p.variable),
    ).toEqual([
      'DASHBOARD_PORT',
      'DASHBOARD_REFRESH',
      'DASHBOARD_LAG_GROUPS',
      'DASHBOARD_STORAGE_URL',
      'DASHBOARD_WAREHOSE',
    ]);
    expect(problemsOf({ DASHBOARD_WAREHOUSE: 'bigquery' })).toEqual([
      {
        variable: 'BIGQUERY_PROJECT',
        kind: 'missing',
        message: 'BIGQUERY_PROJECT: required when DASHBOARD_WAREHOUSE=bigquery',
      },
    ]);
  });

  it('is documented in the README from the same definition', () => {
    const readme = readFileSync(resolve(SERVICE_DIR, 'README.md'), 'utf8');
    const table = /<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
    expect(table).toBe(describeConfig(dashboardConfig));
  });
});
