/**
 * The fixture server's pure parts: a fixture file that cannot be served is refused naming the
 * file and the problem; a slice keeps the category order (years as codes included) and writes
 * Eurostat's key order; time bounds compare across frequencies.
 */
import { describe, expect, it } from 'vitest';
import { EUROSTAT_ERROR_CODES, EurostatError } from '../src/errors.js';
import { parseDataset, slice } from '../src/fixtures/dataset.js';
import { comparePeriods, selectPositions } from '../src/fixtures/query.js';
import { serializeDataset } from '../src/fixtures/serialize.js';

const doc = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '2.0',
    class: 'dataset',
    label: 'Tiny (synthetic)',
    source: 'ESTAT',
    updated: '2026-01-01T11:00:00+0100',
    value: { '0': 1.5, '3': 4 },
    status: { '1': 'c', '3': 'p' },
    id: ['age', 'time'],
    size: [2, 2],
    dimension: {
      age: {
        label: 'Age',
        category: { index: { Y10: 0, Y2: 1 }, label: { Y10: '10 years', Y2: '2 years' } },
      },
      // integer-like codes whose dataset order is not numeric order
      time: {
        label: 'Time',
        category: { index: { '2021': 0, '2020': 1 }, label: { '2021': '2021', '2020': '2020' } },
      },
    },
    extension: {
      lang: 'EN',
      status: { label: { c: 'confidential', p: 'provisional' } },
      'positions-with-no-data': {},
    },
    ...over,
  });

describe('parseDataset', () => {
  it.each([
    ['truncated', '{"version":', 'not JSON'],
    ['version 1.0', doc({ version: '1.0' }), 'not a JSON-stat 2.0 dataset'],
    ['short size', doc({ size: [2] }), '"size" must hold 2 integers'],
    ['short dense value', doc({ value: [1, 2, 3] }), 'dense "value" has 3 entries for 4 cells'],
    [
      'index past the cells',
      doc({ value: { '4': 1 } }),
      '"value" key "4" is not a cell index below 4',
    ],
    [
      'non-numeric status key',
      doc({ status: { x: 'c' } }),
      '"status" key "x" is not a cell index below 4',
    ],
    [
      'size beyond the categories',
      doc({ size: [3, 2] }),
      'dimension "age" has 2 categories, size says 3',
    ],
    [
      'size below the categories',
      doc({ size: [1, 2] }),
      'dimension "age" puts "Y2" at position 1 of 1',
    ],
  ])('refuses a file with %s, naming it', (_case, text, problem) => {
    expect(() => parseDataset(text, 'data/tiny.json')).toThrow(`data/tiny.json: ${problem}`);
  });

  it('refuses with a code of the closed list, not retryable, naming the file in its details', () => {
    const err = (() => {
      try {
        parseDataset('{', 'data/tiny.json');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EurostatError);
    expect(err).toMatchObject({
      code: 'LS_EUROSTAT_FIXTURE_INVALID',
      retryable: false,
      details: { file: 'data/tiny.json' },
    });
    expect(EUROSTAT_ERROR_CODES).toContain((err as EurostatError).code);
  });

  it('reads category order from the index positions, not from key order', () => {
    const ds = parseDataset(doc(), 'tiny.json');
    expect(ds.dimension.time?.codes).toEqual(['2021', '2020']);
  });
});

describe('a slice', () => {
  it("keeps the dataset's order, re-indexes, and is written in Eurostat's key order", () => {
    const ds = parseDataset(doc(), 'tiny.json');
    const sel = selectPositions(ds, new URLSearchParams('time=2020&time=2021&age=y2'));
    expect(sel).toEqual({ keep: [[1], [0, 1]] });
    const text = serializeDataset(slice(ds, (sel as { keep: number[][] }).keep));
    expect(text).toBe(
      '{"version":"2.0","class":"dataset","label":"Tiny (synthetic)","source":"ESTAT","updated":"2026-01-01T11:00:00+0100",' +
        '"value":{"1":4},"status":{"1":"p"},"id":["age","time"],"size":[1,2],' +
        '"dimension":{"age":{"label":"Age","category":{"index":{"Y2":0},"label":{"Y2":"2 years"}}},' +
        '"time":{"label":"Time","category":{"index":{"2021":0,"2020":1},"label":{"2021":"2021","2020":"2020"}}}},' +
        '"extension":{"lang":"EN","status":{"label":{"p":"provisional"}},"positions-with-no-data":{"age":[],"time":[0]}}}',
    );
  });
});

describe('comparePeriods', () => {
  it('orders periods of one frequency and a year against its months', () => {
    expect(comparePeriods('2019-Q4', '2020-Q1')).toBeLessThan(0);
    expect(comparePeriods('2020-12', '2020-01')).toBeGreaterThan(0);
    expect(comparePeriods('2020-07', '2020')).toBe(0);
    expect(comparePeriods('2021', '2020-12')).toBeGreaterThan(0);
  });
});
