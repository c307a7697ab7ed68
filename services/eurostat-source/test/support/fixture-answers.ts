/**
 * The synthetic answers under fixtures/data and what the tests know of Eurostat's JSON-stat shape,
 * in one place so every test checks against the same fixtures and the same key order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolkitRow } from 'jsonstat-toolkit';

/** The folder of the synthetic answers, one `<code>.json` each. */
export const FIXTURE_DATA = join(import.meta.dirname, '..', '..', 'fixtures', 'data');

/** A synthetic answer's text, byte for byte as the fixture server serves it. */
export const fixtureText = (code: string): string =>
  readFileSync(join(FIXTURE_DATA, `${code}.json`), 'utf8');

/** The top-level keys of a Eurostat answer, in the order Eurostat writes them. */
export const EUROSTAT_KEY_ORDER = [
  'version',
  'class',
  'label',
  'source',
  'updated',
  'value',
  'status',
  'id',
  'size',
  'dimension',
  'extension',
];

/** The rows holding an observation: a value or a status flag (the rest are empty positions). */
export const observed = (rows: ToolkitRow[]): ToolkitRow[] =>
  rows.filter((r) => r.value !== null || r.status !== null);
