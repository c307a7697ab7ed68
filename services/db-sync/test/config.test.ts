import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, describeConfig } from '@lakestream/config';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli.js';
import { dbSyncConfig, loadDbSyncConfig, sourceEndpoint } from '../src/config.js';
import { DB_SYNC_ERROR_CODES } from '../src/errors.js';

const SERVICE_DIR = join(import.meta.dirname, '..');

function configFile(content: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'db-sync-config-')), 'sync.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('db-sync configuration', () => {
  it('reads the file, the environment winning over it, with defaults', () => {
    const file = configFile({
      db_host: 'file-host',
      db_port: 3307,
      db_user: 'reader',
      db_pass: 'file-secret',
      db_list: 'shop_eu,shop_us',
      table_list: ['orders', 'customers'],
      timestamp_columns: { orders: 'changed' },
      safe_window_seconds: 60,
    });
    const config = loadDbSyncConfig({
      file,
      env: { DB_HOST: 'env-host', SAFE_WINDOW_SECONDS: '120' },
    });
    expect(config).toMatchObject({
      dbHost: 'env-host',
      dbPort: 3307,
      dbUser: 'reader',
      dbList: ['shop_eu', 'shop_us'],
      tableList: ['orders', 'customers'],
      timestampColumns: { orders: 'changed' },
      safeWindowSeconds: 120,
      parallelTables: 4,
      sourceTimeZone: 'UTC',
      warehouseTarget: 'duckdb',
      applyTimeoutMs: 600_000,
      cursorColumnNames: [
        'updated_at',
        'modified_at',
        'last_modified',
        'last_update',
        'updated',
        'changed_at',
        'ts',
      ],
    });
    expect(sourceEndpoint(config)).toEqual({
      host: 'env-host',
      port: 3307,
      user: 'reader',
      password: 'file-secret',
    });
  });

  it('takes host, port, user and password from MYSQL_URL when db_host is absent', () => {
    const config = loadDbSyncConfig({
      env: {
        MYSQL_URL: 'mysql://lake:p%40ss@127.0.0.1:33061',
        DB_LIST: 'a',
        TABLE_LIST: 't',
        TIMESTAMP_COLUMNS: 't=ts',
      },
    });
    expect(sourceEndpoint(config)).toEqual({
      host: '127.0.0.1',
      port: 33061,
      user: 'lake',
      password: 'p@ss',
    });
    expect(config.timestampColumns).toEqual({ t: 'ts' });
  });

  it('never shows the password: printed config, invalid value, unknown key', () => {
    const config = loadDbSyncConfig({
      env: { DB_HOST: 'h', DB_PASS: 'hunter2-secret', DB_LIST: 'a', TABLE_LIST: 't' },
    });
    expect(JSON.stringify(config)).not.toContain('hunter2-secret');
    expect(inspect(config)).not.toContain('hunter2-secret');
    const file = configFile({
      db_host: 'h',
      db_pass: 'hunter2-secret',
      db_list: 'a',
      table_list: 't',
      db_passwd: 'x',
    });
    expect(() => loadDbSyncConfig({ file, env: {} })).toThrow(/unknown keys db_passwd/);
    try {
      loadDbSyncConfig({
        env: { MYSQL_URL: 'http://u:hunter2-secret@h', DB_LIST: 'a', TABLE_LIST: 't' },
      });
    } catch (err) {
      expect((err as Error).message).toContain('MYSQL_URL');
      expect((err as Error).message).not.toContain('hunter2-secret');
    }
  });

  it('refuses a config file it cannot use with LS_DB_SYNC_CONFIG_INVALID naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'db-sync-config-'));
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"db_host": ');
    const bad = (file: string, message: string) =>
      expect(() => loadDbSyncConfig({ file, env: {} })).toThrow(
        expect.objectContaining({ code: 'LS_DB_SYNC_CONFIG_INVALID', message }),
      );
    bad(join(dir, 'missing.json'), `config file ${join(dir, 'missing.json')}: ENOENT`);
    bad(notJson, `config file ${notJson}: not valid JSON`);
    bad(configFile(['db_host']), expect.stringMatching(/^config file .*: expected an object$/));
    bad(configFile({ db_host: 'h', dbhost: 'x' }), expect.stringMatching(/unknown keys dbhost \(/));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every problem at once, and a missing host', () => {
    let error: unknown;
    try {
      loadDbSyncConfig({
        env: {
          DB_HOST: 'h',
          DB_LIST: 'bad.name',
          PARALLEL_TABLES: '0',
          DB_SYNC_APPLY_TIMEOUTS: '1m',
        },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([
      'DB_LIST',
      'TABLE_LIST',
      'PARALLEL_TABLES',
      'DB_SYNC_APPLY_TIMEOUTS',
    ]);
    expect(() => loadDbSyncConfig({ env: { DB_LIST: 'a', TABLE_LIST: 't' } })).toThrow(
      'db_host (DB_HOST) is required when MYSQL_URL is not set',
    );
  });

  it('is documented in the README from the same definition, error codes included', () => {
    const readme = readFileSync(join(SERVICE_DIR, 'README.md'), 'utf8');
    const table = /<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
    expect(table).toBe(describeConfig(dbSyncConfig));
    for (const code of DB_SYNC_ERROR_CODES) expect(readme).toContain(`\`${code}\``);
  });
});

describe('command line', () => {
  it('reads the commands', () => {
    expect(parseCliArgs(['run'])).toEqual({ kind: 'run', full: false, reconcile: false });
    expect(
      parseCliArgs([
        'run',
        '--config',
        'f.json',
        '--full',
        '--tables',
        'a, b',
        '--every',
        '15m',
        '--reconcile',
      ]),
    ).toEqual({
      kind: 'run',
      configFile: 'f.json',
      full: true,
      reconcile: true,
      tables: ['a', 'b'],
      everyMs: 900_000,
    });
    expect(parseCliArgs(['status', '--config=f.json'])).toEqual({
      kind: 'status',
      configFile: 'f.json',
    });
    expect(parseCliArgs(['topics'])).toEqual({ kind: 'topics' });
  });

  it('explains what is wrong', () => {
    expect(parseCliArgs([])).toMatchObject({
      kind: 'error',
      message: 'missing the command: run, status or topics',
    });
    expect(parseCliArgs(['sync'])).toMatchObject({ kind: 'error' });
    expect(parseCliArgs(['status', '--full'])).toMatchObject({
      message: '--full goes with run, not status',
    });
    expect(parseCliArgs(['run', '--every', '5'])).toMatchObject({ kind: 'error' });
    expect(parseCliArgs(['run', '--every', '500ms'])).toEqual({
      kind: 'error',
      message: "--every expects a duration of at least 1s (like 30s, 15m, 1h), got '500ms'",
    });
  });
});
