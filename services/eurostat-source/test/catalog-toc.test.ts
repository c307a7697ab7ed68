import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTableOfContents, selectWatched } from '../src/catalog/toc.js';

const FIXTURE = new URL('../fixtures/toc/toc_en.txt', import.meta.url);
const HEADER =
  '"title"\t"code"\t"type"\t"last update of data"\t"last table structure change"\t"data start"\t"data end"\t"values"';
const line = (...fields: string[]) => fields.join('\t');

describe('parseTableOfContents', () => {
  const toc = parseTableOfContents(readFileSync(FIXTURE, 'utf8'));

  it('reads the datasets and tables of the fixture, folders left out and a repeated code once', () => {
    expect(toc.entries.map((e) => e.code)).toEqual([
      'hlth_cd_aro',
      'hlth_cd_asdr2',
      'hlth_rs_bds',
      'hlth_sha11_hf',
      'hlth_ehis_pa1e',
      'demo_r_births',
      'demo_r_fagec3',
      'nama_10_gdp',
      'tps00150',
    ]);
    expect(toc.folders).toBe(9);
    expect(toc.repeated).toBe(1);
  });

  it('unquotes and un-indents titles, turns DD.MM.YYYY into ISO dates and reads the count', () => {
    expect(toc.entries.find((e) => e.code === 'hlth_cd_asdr2')).toEqual({
      code: 'hlth_cd_asdr2',
      title: 'Causes of death - standardised death rate by NUTS 2 region of residence (synthetic)',
      type: 'dataset',
      lastDataUpdate: '2026-04-22',
      lastStructureChange: '2026-01-14',
      dataStart: '2011',
      dataEnd: '2022',
      valueCount: 1_204_884,
      line: 7,
    });
    expect(toc.entries.find((e) => e.code === 'demo_r_fagec3')?.title).toBe(
      'Naissances – données régionales «NUTS 3» (synthetic, label with accents)',
    );
    expect(toc.entries.find((e) => e.code === 'tps00150')?.type).toBe('table');
  });

  it('lower-cases codes and leaves blank fields null', () => {
    const parsed = parseTableOfContents(
      [HEADER, line('"A"', '"HLTH_X"', '"dataset"', '" "', '" "', '" "', '" "', '')].join('\n'),
    );
    expect(parsed.entries[0]).toMatchObject({
      code: 'hlth_x',
      lastDataUpdate: null,
      lastStructureChange: null,
      dataStart: null,
      valueCount: null,
    });
  });

  const bad: [string, string, RegExp][] = [
    ['a wrong header', 'code\ttitle\n', /^toc\.txt line 1: expected the header "title" "code"/],
    [
      'a line with too few fields',
      `${HEADER}\n"t"\t"c"\t"dataset"\n`,
      /^toc\.txt line 2: expected 8 tab-separated fields, got 3$/,
    ],
    [
      'an impossible date',
      `${HEADER}\n${line('"t"', '"c"', '"dataset"', '"31.02.2026"', '" "', '" "', '" "', '1')}`,
      /^toc\.txt line 2: column 4 \(last update of data\): expected a date DD\.MM\.YYYY, got "31\.02\.2026"$/,
    ],
    [
      'an unknown type',
      `${HEADER}\n${line('"t"', '"c"', '"cube"', '" "', '" "', '" "', '" "', '')}`,
      /line 2: column 3 \(type\): expected dataset, table or folder, got "cube"/,
    ],
    [
      'an unbalanced quote',
      `${HEADER}\n\n${line('"t', '"c"', '"dataset"', '" "', '" "', '" "', '" "', '')}`,
      /^toc\.txt line 3: column 1: unbalanced quotes/,
    ],
    [
      'a count that is not a number',
      `${HEADER}\n${line('"t"', '"c"', '"dataset"', '" "', '" "', '" "', '" "', '12x')}`,
      /line 2: column 8 \(values\): expected a count, got "12x"/,
    ],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} with LS_EUROSTAT_TOC_MALFORMED naming the line`, () => {
      expect(() => parseTableOfContents(text, 'toc.txt')).toThrow(
        expect.objectContaining({
          code: 'LS_EUROSTAT_TOC_MALFORMED',
          message: expect.stringMatching(message),
        }),
      );
    });
  }
});

describe('selectWatched', () => {
  const entries = parseTableOfContents(readFileSync(FIXTURE, 'utf8')).entries;

  it('selects by keyword in the code or the title, case-insensitively, with the keyword matched', () => {
    expect(selectWatched(entries, ['HLTH'])).toEqual(
      ['hlth_cd_aro', 'hlth_cd_asdr2', 'hlth_rs_bds', 'hlth_sha11_hf', 'hlth_ehis_pa1e'].map(
        (code) => ({ code, keyword: 'HLTH' }),
      ),
    );
    expect(selectWatched(entries, ['healthy', 'nuts 3']).map((w) => [w.code, w.keyword])).toEqual([
      ['demo_r_births', 'nuts 3'],
      ['demo_r_fagec3', 'nuts 3'],
      ['tps00150', 'healthy'],
    ]);
  });
});
