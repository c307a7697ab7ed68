/**
 * The README documents the configuration from the same definition the service validates with,
 * and names every error code (each described in docs/errors.md).
 */
import { readFileSync } from 'node:fs';
import { describeConfig } from '@lakestream/config';
import { expect, it } from 'vitest';
import { eurostatConfig } from '../src/config.js';
import { EUROSTAT_ERROR_CODES } from '../src/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

it('documents the configuration in the README from the config definition', () => {
  const table = /<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
  expect(table).toBe(describeConfig(eurostatConfig));
});

it('links the error codes document, which lists every code', () => {
  expect(readme).toContain('(docs/errors.md)');
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  for (const code of EUROSTAT_ERROR_CODES) expect(doc).toContain(`\`${code}\``);
});
