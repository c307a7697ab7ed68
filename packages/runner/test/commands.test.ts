import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = resolve(import.meta.dirname, '../../../commands.sh');
const run = (...args: string[]) => spawnSync('bash', [script, ...args], { encoding: 'utf8' });

// The shortcuts the issues promise, each one line in `help`.
const PROMISED = [
  'setup',
  'up',
  'down',
  'status',
  'start-kafka',
  'stream-data',
  'start-streaming-pipeline',
  'start-batch-pipeline',
  'olap-transformation-pipeline',
  'gcs-to-bigquery-pipeline',
  'dbt',
  'dashboard',
  'start-metabase',
  'run',
  'demo',
  'bench',
  'test',
  'db-sync',
  'firestore-export',
  'firestore-backfill',
  'quality-events',
  'firestore-dump',
  'gcs-load',
];

describe('commands.sh', () => {
  it('lists every promised shortcut on one line of help', () => {
    const help = run('help');
    expect(help.status).toBe(0);
    const names = help.stdout
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim().split(/\s+/)[0]);
    for (const name of PROMISED) expect(names, name).toContain(name);
  });

  it('prints the help and exits non-zero on an unknown command', () => {
    const result = run('no-such-command');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown command: no-such-command');
    expect(result.stderr).toContain('commands:');
  });

  it('describes each command in one line with --help, without doing anything', () => {
    for (const name of PROMISED.filter((n) => n !== 'stream-data')) {
      const result = run(name, '--help');
      expect(result.status, name).toBe(0);
      expect(result.stdout.trim().split('\n'), name).toHaveLength(1);
      expect(result.stdout).toContain(`./commands.sh ${name}`);
    }
  });

  it('refuses `run` without files before starting anything', () => {
    const result = run('run');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('give at least one CSV file');
  });
});
