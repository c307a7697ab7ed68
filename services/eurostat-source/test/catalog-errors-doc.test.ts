import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { EUROSTAT_ERROR_CODES } from '../src/errors.js';

it('docs/errors.md documents exactly the codes of src/errors.ts', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `(LS_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  expect(documented).toEqual([...EUROSTAT_ERROR_CODES]);
});
