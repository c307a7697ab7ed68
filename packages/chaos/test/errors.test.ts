import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHAOS_ERROR_CODES } from '../src/errors.js';

describe('error codes', () => {
  it('are LS_CHAOS_* and each documented in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of CHAOS_ERROR_CODES) {
      expect(code).toMatch(/^LS_CHAOS_[A-Z_]+$/);
      expect(readme).toContain(`\`${code}\``);
    }
  });
});
