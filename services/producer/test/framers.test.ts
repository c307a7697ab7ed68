/**
 * The fast framer against csv-parse (the reference) on tricky CSV, fed in every chunking: the
 * same records, fields and byte ranges, the same syntax errors.
 */
import { describe, expect, it } from 'vitest';
import { ByteWindow } from '../src/byte-window.js';
import { CsvParseFramer } from '../src/csv-parse-framer.js';
import { FastCsvFramer, type FramerSink, type RecordFramer } from '../src/fast-csv-framer.js';

/**
 * A record as found, with its raw bytes; blank lines and a byte-order mark before it are cut (the
 * fast framer starts a record at its first byte, csv-parse where the previous one ended).
 */
type Found =
  | { record: string[]; raw: string; end: number; undecodable: readonly number[] }
  | { syntaxError: [number, number] };

async function frame(
  kind: 'fast' | 'csv-parse',
  bytes: Buffer,
  chunkSize: number,
  encoding: 'latin1' | 'utf8' = 'latin1',
): Promise<Found[]> {
  const found: Found[] = [];
  const window = new ByteWindow();
  const sink: FramerSink = {
    record: ({ fields, start, end, undecodable }) =>
      found.push({
        record: fields,
        raw: bytes
          .subarray(start, end)
          .toString('latin1')
          .replace(/^(\xef\xbb\xbf)?[\r\n]*/, ''),
        end,
        undecodable,
      }),
    syntaxError: (start, end) => found.push({ syntaxError: [start, end] }),
  };
  const framer: RecordFramer =
    kind === 'fast'
      ? new FastCsvFramer(encoding, sink)
      : new CsvParseFramer(encoding, sink, (s, e) => window.slice(s, e));
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const chunk = bytes.subarray(i, i + chunkSize);
    window.append(chunk);
    framer.push(chunk);
  }
  await framer.end();
  framer.destroy();
  return found;
}

const CASES: Record<string, string> = {
  plain: 'a,b,c\n1,2,3\n4,5,6\n',
  'no final line end': 'a,b\n1,2',
  crlf: 'a,b\r\n1,2\r\n3,4',
  'empty lines': 'a,b\n\n1,2\n\n\n3,4\n\n',
  'quoted commas and quotes': 'a,b\n"x, y","say ""hi"""\n"",z\n',
  'quoted line breaks': 'a,b\n"line 1\nline 2",2\n"cr\r\nlf",3\n',
  'quoted last field then crlf': 'a,b\r\n1,"two"\r\n3,"four"',
  'short and long rows': 'a,b,c\n1\n1,2,3,4,5\n,,\n',
  'latin-1 accents': 'city,country\nMéxico,Japón\nBogotá,"Rajastán, India"\n',
  'quote still open at the end': 'a,b\n1,2\n3,"never closed\n4,5\n',
  'a lone quote at the very end': 'a,b\n1,"',
  'utf-8 bom': '\xef\xbb\xbfa,b\n1,2\n',
};

describe('FastCsvFramer matches csv-parse', () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      const bytes = Buffer.from(text, 'latin1');
      const expected = await frame('csv-parse', bytes, bytes.length);
      expect(expected.length).toBeGreaterThan(0);
      for (const chunkSize of new Set([1, 2, 3, 5, 7, bytes.length])) {
        expect(await frame('fast', bytes, chunkSize), `chunks of ${chunkSize}`).toEqual(expected);
        expect(
          await frame('csv-parse', bytes, chunkSize),
          `csv-parse, chunks of ${chunkSize}`,
        ).toEqual(expected);
      }
    });
  }

  it('on UTF-8, flags exactly the fields holding bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from('a,b,c\nMéxico,ok,', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from('\n\uFFFD real,x,y\n', 'utf8'),
    ]);
    for (const kind of ['fast', 'csv-parse'] as const) {
      const found = await frame(kind, bytes, 4, 'utf8');
      expect(found).toMatchObject([
        { record: ['a', 'b', 'c'], undecodable: [] },
        { record: ['México', 'ok', '\uFFFD'], undecodable: [2] },
        { record: ['\uFFFD real', 'x', 'y'], undecodable: [] },
      ]);
    }
  });
});

describe('FastCsvFramer where it differs from csv-parse', () => {
  it('skips an empty CRLF line in an LF file (csv-parse makes it a record of one empty field)', async () => {
    const found = await frame('fast', Buffer.from('a,b\n\r\n1,2\n'), 2);
    expect(found.map((f) => ('record' in f ? f.record : f))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('starts a record at its first byte, not at the blank lines before it', async () => {
    const bytes = Buffer.from('a,b\n\n\n1,2\n');
    const starts: number[] = [];
    const framer = new FastCsvFramer('latin1', {
      record: ({ start }) => starts.push(start),
      syntaxError: () => {},
    });
    framer.push(bytes);
    framer.end();
    expect(starts).toEqual([0, 6]);
  });
});

describe('FastCsvFramer on stray quotes (relaxed, as csv-parse relax_quotes)', () => {
  it('keeps a quote inside an unquoted field as text', async () => {
    const found = await frame('fast', Buffer.from('a,b\n5" screen,x"y\n'), 3);
    expect(found[1]).toMatchObject({ record: ['5" screen', 'x"y'] });
  });
});
