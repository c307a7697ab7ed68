import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvSource, ProducerError, type SourceItem } from '../src/index.js';
import { COLUMN, csvText, generatedRows, tempDir, writeLatin1 } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

const rows = generatedRows(10, 21);

async function collect(source: CsvSource, skipThroughRow = 0): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const chunk of source.items({ skipThroughRow })) items.push(...chunk);
  return items;
}

describe.each(['fast', 'csv-parse'] as const)('CsvSource (parser %s)', (parser) => {
  const options = {
    encoding: 'latin1',
    parser,
    maxRecordBytes: 256 * 1024,
    maxRawBytes: 1024,
  } as const;

  it('skips the rows a resume says were acknowledged, keeping row numbers', async () => {
    const file = await writeLatin1(`${dir}/${parser}-resume.csv`, csvText(rows));
    const source = new CsvSource({ ...options, input: file });
    const items = await collect(source, 7);
    expect(items.map((i) => i.position.row)).toEqual([8, 9, 10]);
    expect(source.rowsRead).toBe(10);
    expect(items[0]).toMatchObject({ kind: 'event', key: rows[7]![COLUMN['Order Id']!] });
  });

  it('stops on a record that never ends, after yielding the rows before it', async () => {
    const open = [...rows[5]!];
    open[COLUMN['Product Description']!] = `"never closed ${'x'.repeat(50_000)}`;
    const file = await writeLatin1(
      `${dir}/${parser}-unbounded.csv`,
      csvText([...rows.slice(0, 5), open, ...rows.slice(6)]),
    );
    const source = new CsvSource({
      ...options,
      input: file,
      hardLimitBytes: 20_000,
      chunkBytes: 4096,
    });
    const items: SourceItem[] = [];
    const err = await (async () => {
      for await (const chunk of source.items()) items.push(...chunk);
    })().catch((e: unknown) => e);
    expect(items.map((i) => i.position.row)).toEqual([1, 2, 3, 4, 5]);
    expect(err).toBeInstanceOf(ProducerError);
    expect((err as ProducerError).code).toBe('LS_PRODUCER_RECORD_UNBOUNDED');
    expect((err as ProducerError).message).toMatch(
      /row 6 \(from byte \d+\) is still open after 20000 bytes/,
    );
  });
});
