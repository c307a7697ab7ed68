/**
 * Bounded memory, the small version (the bench reads 10 million cells and prints peak RSS): a
 * process whose V8 heap is capped at 24 MB reads a 1,000,000-cell answer with the streaming reader,
 * while JSON.parse of the same answer under the same cap runs out of heap – so the reader holds
 * neither the text nor an object per cell. (At 16 MB and 200,000 cells the margins were too thin
 * either way: the reader beside tsx's loader ran out of heap in some runs, and JSON.parse of that
 * answer fitted in others.)
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateAnswer } from '../src/jsonstat/generate.js';
import { tempDir } from './support/temp-dir.js';

const run = promisify(execFile);
const HEAP_MB = 24;
const CELLS = 1_000_000;
const packageDir = join(import.meta.dirname, '..');
const dir = tempDir('jsonstat-memory-');

describe('JSON-stat reader memory', () => {
  it(`reads ${CELLS.toLocaleString('en-US')} cells under a ${HEAP_MB} MB heap that JSON.parse cannot`, async () => {
    const { file, cells } = await generateAnswer(join(dir, 'answer.json.gz'), {
      cells: CELLS,
      seed: 3,
      gzip: true,
    });
    const parse = `const t = require('zlib').gunzipSync(require('fs').readFileSync(${JSON.stringify(file)})).toString(); JSON.parse(t);`;
    await expect(
      run(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '-e', parse], {
        maxBuffer: 1 << 24,
      }),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/heap out of memory/) });

    const { stdout } = await run(
      process.execPath,
      [
        `--max-old-space-size=${HEAP_MB}`,
        '--conditions=lakestream-source',
        '--import',
        'tsx',
        join(packageDir, 'bench', 'jsonstat-read.ts'),
        file,
      ],
      { cwd: packageDir, maxBuffer: 1 << 20 },
    );
    const figures = JSON.parse(stdout.trim().split('\n').pop() as string) as { rows: number };
    expect(figures.rows).toBe(cells);
  }, 60_000);
});
