// The cloud run's pure pieces: which BigQuery, the lake's bucket, the MERGE cost line, and the
// README listing every error code.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeCostSummary } from '../src/cloud-costs.js';
import { CLOUD_RUN_ERROR_CODES } from '../src/cloud-errors.js';
import { lakeBucket, parseCloudBigquery } from '../src/cloud-run.js';

describe('cloud run configuration', () => {
  it('takes a private emulator, a given emulator or Google', () => {
    expect(parseCloudBigquery('private')).toEqual({ kind: 'private' });
    expect(parseCloudBigquery('google')).toEqual({ kind: 'google' });
    expect(parseCloudBigquery('http://127.0.0.1:9060')).toEqual({
      kind: 'emulator',
      host: 'http://127.0.0.1:9060',
    });
    expect(() => parseCloudBigquery('127.0.0.1:9060')).toThrow(
      expect.objectContaining({ code: 'LS_RUNNER_CLOUD_CONFIG_INVALID' }),
    );
  });

  it('needs the lake in a gs:// bucket', () => {
    expect(lakeBucket('gs://my-lake/lake')).toBe('my-lake');
    expect(lakeBucket('gs://my-lake')).toBe('my-lake');
    expect(() => lakeBucket('/home/me/.lakestream/lake')).toThrow(
      expect.objectContaining({ code: 'LS_RUNNER_CLOUD_CONFIG_INVALID' }),
    );
  });
});

describe('the MERGE jobs’ cost line', () => {
  it('sums BigQuery’s figures, and says n/a on the emulator or without statistics', () => {
    const merges = [
      { bytesProcessed: 10 * 1024 * 1024, bytesBilled: 10 * 1024 * 1024 },
      { bytesProcessed: 2048, bytesBilled: 10 * 1024 * 1024 },
    ];
    expect(mergeCostSummary(merges, false)).toBe(
      'MERGE bytes processed: 10.00 MiB, billed 20.00 MiB over 2 jobs',
    );
    expect(mergeCostSummary(merges, true)).toBe(
      'MERGE bytes processed: n/a on the emulator (2 MERGE jobs)',
    );
    expect(mergeCostSummary([{}], false)).toBe('MERGE bytes processed: n/a (no job statistics)');
  });
});

describe('error codes', () => {
  it('documents every code in packages/runner/README.md', async () => {
    const readme = await readFile(resolve(import.meta.dirname, '../README.md'), 'utf8');
    for (const code of CLOUD_RUN_ERROR_CODES) expect(readme, code).toContain(`\`${code}\``);
  });
});
