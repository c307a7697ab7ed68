import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCsvChunks, writeCsv } from '../src/index.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakestream-datagen-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeCsv', () => {
  it('writes exactly the generated chunks and reports the file size', async () => {
    const out = join(dir, 'small.csv');
    const summary = await writeCsv({ rows: 5_000, seed: 3, out, chunkBytes: 64 * 1024 });
    const written = await readFile(out);
    const expected = Buffer.concat([...generateCsvChunks({ rows: 5_000, seed: 3 })]);
    expect(written.equals(expected)).toBe(true);
    expect(summary.bytes).toBe((await stat(out)).size);
    expect(summary.rows).toBe(5_000);
  });

  it('ends every chunk on a line boundary', () => {
    for (const chunk of generateCsvChunks({ rows: 2_000, seed: 3, chunkBytes: 10_000 })) {
      expect(chunk.at(-1)).toBe(0x0a);
    }
  });

  it('overwrites an existing file and fails clearly on an unwritable path', async () => {
    const out = join(dir, 'twice.csv');
    await writeCsv({ rows: 100, seed: 1, out });
    const summary = await writeCsv({ rows: 10, seed: 1, out });
    expect((await stat(out)).size).toBe(summary.bytes);
    await expect(
      writeCsv({ rows: 10, seed: 1, out: join(dir, 'missing', 'x.csv') }),
    ).rejects.toThrow(/ENOENT/);
  });
});

describe('datagen CLI', () => {
  const cli = (...args: string[]) =>
    run(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', 'src/cli.ts', ...args],
      {
        cwd: packageDir,
      },
    );

  it('writes the file and prints a one-line summary to stderr', async () => {
    const out = join(dir, 'cli.csv');
    const { stdout, stderr } = await cli('--rows', '1000', '--seed', '5', '--out', out);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^datagen: wrote .*cli\.csv: 1,000 rows, [\d,]+ orders, [\d,]+ customers, [\d,]+ bytes in [\d.]+ s \([\d,]+ rows\/s, seed 5\)\n$/,
    );
    const expected = Buffer.concat([...generateCsvChunks({ rows: 1000, seed: 5 })]);
    expect((await readFile(out)).equals(expected)).toBe(true);
  });

  it('prints usage on --help', async () => {
    const { stdout } = await cli('--help');
    expect(stdout).toMatch(/^Usage: datagen/);
  });

  it('exits 2 with the error and usage on bad arguments', async () => {
    const failure = await cli('--rows', 'many').then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/^datagen: --rows must be a non-negative integer, got "many"/);
    expect(failure?.stderr).toMatch(/Usage: datagen/);
  });
});
