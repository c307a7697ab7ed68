/**
 * The synthetic fixture answers are valid JSON-stat 2.0 in Eurostat's shape: read by
 * jsonstat-toolkit (an independent reader from npm) and checked against the format's rules and
 * Eurostat's habits (key order, sparse index-keyed `value`, status flags, positions with no data).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import JSONstat from 'jsonstat-toolkit';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../src/fixtures/dataset.js';
import { EUROSTAT_KEY_ORDER, FIXTURE_DATA } from './support/fixture-answers.js';

const FILES = readdirSync(FIXTURE_DATA).filter((f) => f.endsWith('.json'));
const FLAGS = new Set(['b', 'c', 'd', 'e', 'f', 'n', 'p', 'r', 's', 'u', 'z']);

// biome-ignore lint/suspicious/noExplicitAny: the documents are read loosely to be checked field by field
type Json = Record<string, any>;
const load = (file: string): Json => JSON.parse(readFileSync(join(FIXTURE_DATA, file), 'utf8'));

/** The rules of JSON-stat 2.0 for a dataset response, each broken one listed. */
function jsonStatProblems(doc: Json): string[] {
  const problems: string[] = [];
  const fail = (p: string) => problems.push(p);
  if (doc.version !== '2.0') fail('version is not "2.0"');
  if (doc.class !== 'dataset') fail('class is not "dataset"');
  const { id, size, dimension } = doc;
  if (!Array.isArray(id) || new Set(id).size !== id.length)
    fail('id is not a list of distinct names');
  if (
    !Array.isArray(size) ||
    size.length !== id?.length ||
    !size.every((n: unknown) => Number.isInteger(n) && (n as number) >= 0)
  ) {
    fail('size is not one non-negative integer per id');
  }
  if (
    Object.keys(dimension ?? {})
      .sort()
      .join() !== [...(id ?? [])].sort().join()
  )
    fail('dimension keys differ from id');
  const cells = (size ?? []).reduce((a: number, b: number) => a * b, 1);
  (id ?? []).forEach((name: string, k: number) => {
    const cat = dimension?.[name]?.category;
    if (typeof dimension?.[name]?.label !== 'string') fail(`${name}: no label`);
    const positions = Object.values(cat?.index ?? {}).sort((a, b) => Number(a) - Number(b));
    if (positions.join() !== [...Array(size[k]).keys()].join())
      fail(`${name}: index is not 0..${size[k] - 1}`);
    if (
      Object.keys(cat?.label ?? {})
        .sort()
        .join() !==
      Object.keys(cat?.index ?? {})
        .sort()
        .join()
    ) {
      fail(`${name}: label keys differ from index keys`);
    }
  });
  if (Array.isArray(doc.value)) {
    if (doc.value.length !== cells)
      fail(`dense value has ${doc.value.length} entries for ${cells} cells`);
    if (!doc.value.every((v: unknown) => v === null || typeof v === 'number'))
      fail('dense value holds a non-number');
  } else {
    for (const [key, v] of Object.entries(doc.value ?? {})) {
      if (!/^\d+$/.test(key) || Number(key) >= cells) fail(`value key ${key} out of range`);
      if (v !== null && typeof v !== 'number') fail(`value ${key} is not a number`);
    }
  }
  for (const [key, s] of Object.entries(doc.status ?? {})) {
    if (!/^\d+$/.test(key) || Number(key) >= cells) fail(`status key ${key} out of range`);
    if (!FLAGS.has(s as string)) fail(`status ${key} "${s}" is not a Eurostat flag`);
  }
  return problems;
}

describe('fixture answers', () => {
  it('holds four to six datasets, health ones and at least one other', () => {
    const codes = FILES.map((f) => f.replace(/\.json$/, ''));
    expect(codes.length).toBeGreaterThanOrEqual(4);
    expect(codes.length).toBeLessThanOrEqual(6);
    expect(codes.filter((c) => c.startsWith('hlth_')).length).toBeGreaterThanOrEqual(3);
    expect(codes.some((c) => !c.startsWith('hlth_'))).toBe(true);
  });

  it.each(FILES)('%s is JSON-stat 2.0 with Eurostat key order', (file) => {
    const doc = load(file);
    expect(jsonStatProblems(doc)).toEqual([]);
    expect(Object.keys(doc)).toEqual(EUROSTAT_KEY_ORDER.filter((k) => k in doc));
    expect(doc.label).toMatch(/\(synthetic\)$/);
    expect(doc.source).toBe('ESTAT');
    expect(doc.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/);
    expect(Object.keys(doc.extension).slice(0, 5)).toEqual([
      'lang',
      'id',
      'agencyId',
      'version',
      'datastructure',
    ]);
    expect(
      doc.extension.annotation.some(
        (a: Json) => a.type === 'UPDATE_DATA' && a.date === doc.updated,
      ),
    ).toBe(true);
    expect(() => parseDataset(readFileSync(join(FIXTURE_DATA, file), 'utf8'), file)).not.toThrow();
  });

  it.each(FILES)('%s reads the same through jsonstat-toolkit', (file) => {
    const doc = load(file);
    const ds = JSONstat(doc);
    expect(ds.class).toBe('dataset');
    expect(ds.id).toEqual(doc.id);
    expect(ds.n).toBe(doc.size.reduce((a: number, b: number) => a * b, 1));
    const rows = ds.toTable({ type: 'arrobj', content: 'id', status: true });
    expect(rows).toHaveLength(ds.n);
    const values = Array.isArray(doc.value)
      ? doc.value.filter((v: unknown) => v !== null)
      : Object.values(doc.value);
    expect(rows.filter((r) => r.value !== null).map((r) => r.value)).toEqual(values);
    expect(rows.filter((r) => r.status !== null)).toHaveLength(
      Object.keys(doc.status ?? {}).length,
    );
    // positions-with-no-data: the positions of each dimension that no observed cell falls on
    const observed = rows.filter((r) => r.value !== null || r.status !== null);
    const none = Object.fromEntries(
      doc.id.map((name: string) => {
        const codes = ds.Dimension(name)?.id ?? [];
        return [name, codes.flatMap((c, p) => (observed.some((r) => r[name] === c) ? [] : [p]))];
      }),
    );
    expect(doc.extension['positions-with-no-data']).toEqual(none);
    const used = [...new Set(Object.values(doc.status ?? {}))].sort();
    expect(Object.keys(doc.extension.status?.label ?? {})).toEqual(used);
  });

  it('cover the cases a reader must handle', () => {
    const docs = FILES.map(load);
    const flags = new Set(docs.flatMap((d) => Object.values(d.status ?? {})));
    expect([...flags].sort()).toEqual(['b', 'c', 'd', 'e', 'n', 'p', 'u', 'z']);
    // status-only cells: a flag where no value is published
    const statusOnly = docs.flatMap((d) =>
      Object.keys(d.status ?? {}).filter((i) =>
        Array.isArray(d.value) ? d.value[Number(i)] === null : !(i in d.value),
      ),
    );
    expect(statusOnly.length).toBeGreaterThan(10);
    expect(docs.filter((d) => Array.isArray(d.value))).toHaveLength(1);
    expect(docs.every((d) => d.size.includes(1))).toBe(true);
    expect(
      docs.some((d) =>
        Object.values(d.extension['positions-with-no-data']).some(
          (p) => (p as number[]).length > 0,
        ),
      ),
    ).toBe(true);
    const labels = JSON.stringify(docs.map((d) => d.dimension));
    for (const accent of ['é', 'ü', 'ř', 'Č', 'Î', 'ł', 'ý']) expect(labels).toContain(accent);
  });
});
