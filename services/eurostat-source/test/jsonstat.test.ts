import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonStatError, openJsonStat } from '../src/jsonstat/index.js';
import {
  DENSE,
  readerRows,
  removeAnswers,
  SPARSE,
  toolkitRows,
  UNORDERED,
  withDimensions,
  writeAnswer,
} from './support/jsonstat-samples.js';

afterAll(removeAnswers);

const sortRows = <T extends { codes: string[] }>(rows: T[]) =>
  [...rows].sort((a, b) => a.codes.join('\u0000').localeCompare(b.codes.join('\u0000')));

describe('JSON-stat reader: rows equal jsonstat-toolkit', () => {
  it('reads a sparse Eurostat answer: statuses, status-only cells, a size-1 dimension, accents', async () => {
    const reader = await openJsonStat(writeAnswer(SPARSE));
    const rows = await readerRows(reader);
    expect(rows).toEqual(toolkitRows(SPARSE));
    expect(rows).toContainEqual({ codes: ['A', 'ES', '2023'], value: null, status: 'e' });
    const { dataset } = reader;
    expect(dataset.ids).toEqual(['freq', 'geo', 'time']);
    expect(dataset.updateTime).toBe('2024-05-01T09:00:00Z');
    expect(dataset.label).toBe('Santé – crude death rate (synthetic)');
    expect(dataset.dimensions[1]?.categories).toEqual([
      { code: 'FR', label: 'France', position: 0 },
      { code: 'ES', label: 'España', position: 1 },
      { code: 'IS', label: 'Ísland "north"', position: 2 },
    ]);
    expect(dataset.positionsWithNoData).toEqual({ freq: [], geo: [], time: [] });
    expect(dataset.valueEntries).toBe(5);
    expect(dataset.statusEntries).toBe(4);
  });

  it('reads the same answer gzipped, in batches as small as one row', async () => {
    const reader = await openJsonStat(writeAnswer(SPARSE, true));
    expect(await readerRows(reader)).toEqual(toolkitRows(SPARSE));
    let rows = 0;
    for await (const batch of reader.batches({ batchSize: 1 })) {
      expect(batch.length).toBe(1);
      rows += batch.length;
    }
    expect(rows).toBe(toolkitRows(SPARSE).length);
  });

  it('reads dense value and status arrays', async () => {
    expect(await readerRows(await openJsonStat(writeAnswer(DENSE)))).toEqual(toolkitRows(DENSE));
  });

  it('reads keys out of order (every cell, status-only ones after the values)', async () => {
    const rows = await readerRows(await openJsonStat(writeAnswer(UNORDERED)));
    expect(sortRows(rows)).toEqual(sortRows(toolkitRows(UNORDERED)));
  });

  it('reads a status given as one string for every cell', async () => {
    const text = DENSE.replace(/"status":\[[^\]]*\]/, '"status":"p"');
    expect(await readerRows(await openJsonStat(writeAnswer(text)))).toEqual(toolkitRows(text));
  });

  it('reads every token cut across reads (a window of a few bytes)', async () => {
    for (const text of [SPARSE, DENSE, UNORDERED]) {
      for (const chunkBytes of [1, 2, 3, 7]) {
        for (const gzip of [false, true]) {
          const reader = await openJsonStat(writeAnswer(text, gzip), { chunkBytes });
          expect(sortRows(await readerRows(reader)), `${chunkBytes} bytes`).toEqual(
            sortRows(toolkitRows(text)),
          );
        }
      }
    }
  });

  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'data');
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
  it.each(files)('reads fixture %s as jsonstat-toolkit does, plain and gzipped', async (name) => {
    const text = readFileSync(join(fixtures, name), 'utf8');
    const expected = toolkitRows(text);
    expect(expected.length).toBeGreaterThan(0);
    for (const gzip of [false, true]) {
      const reader = await openJsonStat(writeAnswer(text, gzip));
      expect(await readerRows(reader)).toEqual(expected);
    }
  });
});

/** The error `openJsonStat` (and reading every row) throws for `text`. */
async function failure(text: string, gzip = false): Promise<JsonStatError> {
  try {
    await readerRows(await openJsonStat(writeAnswer(text, gzip)));
  } catch (err) {
    expect(err).toBeInstanceOf(JsonStatError);
    return err as JsonStatError;
  }
  throw new Error('read without an error');
}

describe('JSON-stat reader: clear errors', () => {
  it('names malformed JSON with its byte offset', async () => {
    const text = SPARSE.replace('"3":1e3', '"3":1e3x');
    const err = await failure(text);
    expect(err.code).toBe('LS_JSONSTAT_MALFORMED');
    expect(err.offset).toBe(Buffer.from(text).indexOf('1e3x') + 3);
    expect(err.message).toMatch(/answer-\d+\.json, byte \d+/);
    expect((await failure('{"version":"2.0",}')).code).toBe('LS_JSONSTAT_MALFORMED');
    expect((await failure(`${SPARSE} {}`)).code).toBe('LS_JSONSTAT_MALFORMED');
  });

  it('names a truncated answer, plain or gzipped, before handing out any row', async () => {
    for (const cut of [40, SPARSE.indexOf('"status"'), SPARSE.length - 2]) {
      const err = await failure(SPARSE.slice(0, cut));
      expect(err.code, `cut at ${cut}`).toBe('LS_JSONSTAT_TRUNCATED');
    }
    const file = writeAnswer(SPARSE, true);
    const bytes = readFileSync(file);
    const cutFile = writeAnswer('');
    (await import('node:fs')).writeFileSync(cutFile, bytes.subarray(0, bytes.length - 12));
    await expect(openJsonStat(cutFile)).rejects.toMatchObject({ code: 'LS_JSONSTAT_TRUNCATED' });
  });

  it('names a dimension/size mismatch', async () => {
    const geo = '"geo":{"category":{"index":{"FR":0,"ES":1}}}';
    const time = '"time":{"category":{"index":["2022","2023"]}}';
    const cases = [
      withDimensions('["geo","time"]', '[2]', `{${geo},${time}}`),
      withDimensions('["geo","time"]', '[3,2]', `{${geo},${time}}`),
      withDimensions('["geo","time"]', '[2,2]', `{${geo}}`),
      withDimensions(
        '["geo","time"]',
        '[2,2]',
        `{"geo":{"category":{"index":{"FR":0,"ES":2}}},${time}}`,
      ),
      DENSE.replace('[1.5,null,3,null,null,6.25]', '[1.5,null,3]'),
    ];
    for (const text of cases) {
      const err = await failure(text);
      expect(err.code, text).toBe('LS_JSONSTAT_SIZE_MISMATCH');
      expect(err.offset, text).toBeGreaterThan(0);
    }
  });

  it('names an index out of range and a duplicate index, with the index', async () => {
    const out = await failure(SPARSE.replace('"8":123456789.123', '"9":1'));
    expect(out).toMatchObject({ code: 'LS_JSONSTAT_INDEX_OUT_OF_RANGE', index: 9 });
    const statusOut = await failure(SPARSE.replace('"7":"b"', '"70":"b"'));
    expect(statusOut).toMatchObject({ code: 'LS_JSONSTAT_INDEX_OUT_OF_RANGE', index: 70 });
    expect((await failure(SPARSE.replace('"3":1e3', '"x3":1e3'))).code).toBe(
      'LS_JSONSTAT_INDEX_OUT_OF_RANGE',
    );
    const duplicate = await failure(SPARSE.replace('"7":0', '"3":0'));
    expect(duplicate).toMatchObject({ code: 'LS_JSONSTAT_DUPLICATE_INDEX', index: 3 });
    const unorderedDuplicate = await failure(UNORDERED.replace('"3":4', '"3":4,"5":7'));
    expect(unorderedDuplicate).toMatchObject({ code: 'LS_JSONSTAT_DUPLICATE_INDEX', index: 5 });
    const statusDuplicate = await failure(UNORDERED.replace('"0":"p"', '"0":"p","4":"e"'));
    expect(statusDuplicate).toMatchObject({ code: 'LS_JSONSTAT_DUPLICATE_INDEX', index: 4 });
  });

  it('names what is not a dataset, and a missing file', async () => {
    expect((await failure(SPARSE.replace('"class":"dataset"', '"class":"collection"'))).code).toBe(
      'LS_JSONSTAT_NOT_DATASET',
    );
    expect((await failure('{"version":"2.0","class":"dataset","id":["a"],"size":[1]}')).code).toBe(
      'LS_JSONSTAT_NOT_DATASET',
    );
    await expect(openJsonStat('/nonexistent/answer.json')).rejects.toMatchObject({
      code: 'LS_JSONSTAT_READ_FAILED',
    });
  });
});
