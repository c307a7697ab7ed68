import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFileOrStderr } from '../src/log-file.js';

describe('logFileOrStderr', () => {
  it('appends to the named file, making its folder; stderr when none is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-file-'));
    try {
      const file = join(dir, 'logs', 'svc.log');
      for (const line of ['first\n', 'second\n']) {
        const stream = logFileOrStderr(file);
        stream.end(line);
        await once(stream, 'finish');
      }
      expect(readFileSync(file, 'utf8')).toBe('first\nsecond\n');
      expect(logFileOrStderr(undefined)).toBe(process.stderr);
      expect(logFileOrStderr('')).toBe(process.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
