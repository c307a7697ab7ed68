import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonObjectFile, settingsAsEnv, underEnvironment } from '../src/config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fail = (message: string) => new Error(message);

describe('config file settings', () => {
  it('reads a JSON object and names the file when it is missing, not JSON or not an object', () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, '{"page_size": 200}');
    expect(readJsonObjectFile(good, fail)).toEqual({ page_size: 200 });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"secret": ');
    expect(() => readJsonObjectFile(bad, fail)).toThrow(`config file ${bad}: not valid JSON`);
    writeFileSync(bad, '[1]');
    expect(() => readJsonObjectFile(bad, fail)).toThrow(`config file ${bad}: expected an object`);
    expect(() => readJsonObjectFile(join(dir, 'none.json'), fail)).toThrow(': ENOENT');
  });

  it('maps keys to prefixed variables, lists joined, objects as JSON, null unset', () => {
    const env = settingsAsEnv(
      'f',
      { page_size: 200, projects: ['a', 'b'], columns: { t: 'c' }, unset: null },
      { keys: ['page_size', 'projects', 'columns', 'unset'], prefix: 'X_', fail },
    );
    expect(env).toEqual({ X_PAGE_SIZE: '200', X_PROJECTS: 'a,b', X_COLUMNS: '{"t":"c"}' });
  });

  it('refuses unknown keys, all of them, without their values', () => {
    expect(() =>
      settingsAsEnv('f', { pagesize: 1, tabels: 'secret' }, { keys: ['page_size'], fail }),
    ).toThrow('f: unknown keys pagesize, tabels (expected page_size)');
  });

  it('lets a non-empty environment variable win over the file', () => {
    expect(underEnvironment({ A: 'file', B: 'file' }, { A: 'env', B: ' ', C: 'env' })).toEqual({
      A: 'env',
      B: 'file',
      C: 'env',
    });
  });
});
