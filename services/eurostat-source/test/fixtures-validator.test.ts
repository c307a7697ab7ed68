/**
 * The synthetic answers – each fixture file, a slice the fixture server cuts from one, and a
 * generated large-answer file – pass jsonstat-validator (PyPI, pydantic models of JSON-stat 2.0,
 * stricter than json-stat.org's validator), run in the venv devstack pins for it. A document with a
 * size that does not match its dimension must fail, so the check is known to bite.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensurePythonTool } from '@lakestream/devstack';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDataset, slice } from '../src/fixtures/dataset.js';
import { selectPositions } from '../src/fixtures/query.js';
import { serializeDataset } from '../src/fixtures/serialize.js';
import { generateAnswer } from '../src/jsonstat/generate.js';
import { FIXTURE_DATA, fixtureText } from './support/fixture-answers.js';
import { tempDir } from './support/temp-dir.js';

const run = promisify(execFile);
const VALIDATE = join(import.meta.dirname, 'support', 'validate_jsonstat.py');
const FIXTURE_FILES = readdirSync(FIXTURE_DATA).filter((f) => f.endsWith('.json'));

interface Verdict {
  file: string;
  valid: boolean;
  error?: string;
}

const dir = tempDir('eurostat-validator-');

describe('fixture answers against jsonstat-validator', () => {
  let python: string;
  beforeAll(async () => {
    // The first run installs the venv from PyPI; later runs reuse it.
    python = await ensurePythonTool('jsonstat-validator', (message) =>
      process.stderr.write(`[devstack] ${message}\n`),
    );
  }, 300_000);

  async function validate(files: string[]): Promise<Map<string, Verdict>> {
    const { stdout } = await run(python, [VALIDATE, ...files], { maxBuffer: 16 << 20 });
    const verdicts = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Verdict);
    return new Map(verdicts.map((v) => [v.file, v]));
  }

  it('passes every fixture file, a served slice and a generated answer; refuses a size mismatch', async () => {
    const files = FIXTURE_FILES.map((file) => join(FIXTURE_DATA, file));
    expect(files.length).toBeGreaterThanOrEqual(4);

    const ds = parseDataset(fixtureText('hlth_cd_asdr2'), 'hlth_cd_asdr2.json');
    const selection = selectPositions(
      ds,
      new URLSearchParams('geo=CZ06&geo=PL91&sinceTimePeriod=2019'),
    );
    if (!('keep' in selection)) throw new Error('the slice was refused');
    const sliced = join(dir, 'hlth_cd_asdr2-slice.json');
    writeFileSync(sliced, serializeDataset(slice(ds, selection.keep)));

    const generated = await generateAnswer(join(dir, 'generated.json.gz'), {
      cells: 5_000,
      seed: 3,
      gzip: true,
    });

    const broken = join(dir, 'broken.json');
    const doc = JSON.parse(readFileSync(files[0] as string, 'utf8')) as { size: number[] };
    doc.size = [...doc.size.slice(0, -1), (doc.size.at(-1) as number) + 1];
    writeFileSync(broken, JSON.stringify(doc));

    const verdicts = await validate([...files, sliced, generated.file, broken]);
    for (const file of [...files, sliced, generated.file]) {
      expect(verdicts.get(file), file).toEqual({ file, valid: true });
    }
    expect(verdicts.get(broken)?.valid).toBe(false);
    expect(verdicts.get(broken)?.error).toMatch(/size|categor|index/i);
  });
});
