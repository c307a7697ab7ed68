/**
 * The load's cells files: opened on their first line, and a file that cannot be written fails the
 * load with its error rather than escaping as an unhandled stream event.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SliceFiles } from '../src/load/slice-files.js';
import { tempDir } from './support/temp-dir.js';

const dir = tempDir('eurostat-slices-');

describe('slice files', () => {
  it('opens only the slices written, keeps their order, and closes them whole', async () => {
    const paths = [0, 1, 2].map((i) => join(dir, `cells-${i}.tsv`));
    const files = new SliceFiles(paths);
    await files.write(2, Buffer.from('b\n'));
    await files.write(0, Buffer.from('a\n'));
    await files.write(2, Buffer.from('c\n'));
    await files.close();
    expect(files.opened()).toEqual([paths[0], paths[2]]);
    expect(existsSync(paths[1] as string)).toBe(false);
    expect(readFileSync(paths[2] as string, 'utf8')).toBe('b\nc\n');
  });

  it('fails with the file error (a folder that does not exist) at the next write or at close', async () => {
    const files = new SliceFiles([join(dir, 'missing', 'cells-0.tsv')]);
    const failed = (async () => {
      for (let i = 0; i < 100; i++) await files.write(0, Buffer.from('x\n'));
      await files.close();
    })();
    await expect(failed).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
