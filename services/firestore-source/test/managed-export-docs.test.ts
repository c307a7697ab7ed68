import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BAD_EXPORT_RECORD_CLASSES,
  MANAGED_EXPORT_ERROR_CODES,
} from '../src/managed-export/index.js';

describe('docs/managed-export.md', () => {
  const docs = readFileSync(new URL('../docs/managed-export.md', import.meta.url), 'utf8');
  it('lists every error code and every bad-input class', () => {
    for (const code of [...MANAGED_EXPORT_ERROR_CODES, ...BAD_EXPORT_RECORD_CLASSES]) {
      expect(docs, code).toContain(`\`${code}\``);
    }
  });
});
