import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateAnswer } from '../src/jsonstat/generate.js';
import { openJsonStat } from '../src/jsonstat/index.js';
import { EUROSTAT_KEY_ORDER } from './support/fixture-answers.js';
import { readerRows, toolkitRows } from './support/jsonstat-samples.js';
import { tempDir } from './support/temp-dir.js';

const dir = tempDir('jsonstat-generate-');
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('large-answer generator', () => {
  it('writes the cells asked for, deterministically, read alike by the reader and jsonstat-toolkit', async () => {
    const made = await generateAnswer(join(dir, 'a.json'), { cells: 20_000, seed: 5 });
    const again = await generateAnswer(join(dir, 'b.json'), { cells: 20_000, seed: 5 });
    const other = await generateAnswer(join(dir, 'c.json'), { cells: 20_000, seed: 6 });
    expect(sha(made.file)).toBe(sha(again.file));
    expect(sha(made.file)).not.toBe(sha(other.file));
    expect(made.cells).toBe(20_000);
    expect(made.statusOnly).toBeGreaterThan(0);
    expect(made.flagged).toBeGreaterThan(made.statusOnly);

    const text = readFileSync(made.file, 'utf8');
    expect(Object.keys(JSON.parse(text))).toEqual(EUROSTAT_KEY_ORDER);
    const reader = await openJsonStat(made.file);
    const rows = await readerRows(reader);
    expect(rows).toEqual(toolkitRows(text));
    expect(rows.length).toBe(made.cells);
    expect(rows.filter((r) => r.value === null).length).toBe(made.statusOnly);
    expect(rows.filter((r) => r.status !== null).length).toBe(made.flagged);

    // positions-with-no-data lists exactly the categories no row uses
    const { dataset } = reader;
    dataset.ids.forEach((id, d) => {
      const used = new Set(rows.map((r) => r.codes[d]));
      const unused = (dataset.dimensions[d]?.categories ?? [])
        .filter((c) => !used.has(c.code))
        .map((c) => c.position);
      expect(dataset.positionsWithNoData[id], id).toEqual(unused);
    });
    expect(dataset.positionsWithNoData.geo?.length).toBeGreaterThan(0);
  });

  it('writes gzip when asked: the same text', async () => {
    const plain = await generateAnswer(join(dir, 'd.json'), { cells: 5_000, seed: 9 });
    const gz = await generateAnswer(join(dir, 'd.json.gz'), { cells: 5_000, seed: 9, gzip: true });
    expect(gunzipSync(readFileSync(gz.file)).equals(readFileSync(plain.file))).toBe(true);
  });
});
