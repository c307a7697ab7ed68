import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { isJsonText, MAX_JSON_DEPTH } from '../src/json-text.js';

/** The reference: what JSON.parse accepts, given valid UTF-8. */
function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function agree(bytes: Buffer): void {
  if (!isUtf8(bytes)) return;
  expect(isJsonText(bytes), JSON.stringify(bytes.toString('utf8'))).toBe(parses(bytes));
}

// A small deterministic generator (mulberry32), so a failure reproduces.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function value(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 4 ? 5 : 7));
  const strings = [
    '',
    'México',
    'a"b',
    'back\\slash',
    'line\nbreak',
    'tab\t',
    '\u0001',
    '\u2028',
    '😀',
    '\ud800',
  ];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return [0, -0.5, 1e21, 123456789, -17, 2.5, 1e-7][Math.floor(rand() * 7)];
    case 3:
    case 4:
      return strings[Math.floor(rand() * strings.length)];
    case 5:
      return Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 4) }, (_, k) => [
          `k${k}${strings[k] ?? ''}`,
          value(rand, depth + 1),
        ]),
      );
  }
}

describe('isJsonText', () => {
  it('agrees with JSON.parse on the edge cases of the grammar', () => {
    const cases = [
      '',
      ' ',
      '1',
      '-',
      '-0',
      '01',
      '00',
      '1.',
      '.1',
      '1.5',
      '1e',
      '1e+',
      '1E-5',
      '-1.0e+10',
      '+1',
      '"',
      '""',
      '"\\u00e9"',
      '"\\u00G9"',
      '"\\u12"',
      '"\\x"',
      '"\\/"',
      '"\t"',
      '"\u007f"',
      '"\u2028"',
      'true',
      'true ',
      ' nul',
      'nulll',
      'True',
      'falsey',
      '[]',
      '{}',
      '[[]]',
      '[1,]',
      '[,1]',
      '[1 2]',
      '{"a":1,}',
      '{,}',
      '{"a" 1}',
      '{"a":}',
      '{"a":1 "b":2}',
      '{a:1}',
      "{'a':1}",
      '{"a":{"b":[1,{"c":null}]}}',
      '\ufeff{}',
      '{}x',
      '1 2',
      '[1]]',
      '[[1]',
      '{"a":[}]',
      ' \t\r\n[ 1 , {"b" : "c"} ]\n ',
      '"é"',
      'é',
      '[-]',
      '[-a]',
      '[1e5, 2E-3, 0.0, -0]',
      '{"":""}',
      '{"a":1}{"b":2}',
      'nul',
      'n',
      '[true,false,null]',
    ];
    for (const text of cases) agree(Buffer.from(text, 'utf8'));
  });

  it('agrees with JSON.parse on thousands of random documents and their mutations', () => {
    const rand = random(20180131);
    const alphabet = [...'{}[]":,.-+eE0123456789tfnrul \t\n\\/x'].map((c) => c.charCodeAt(0));
    for (let round = 0; round < 4_000; round++) {
      const text = JSON.stringify(value(rand, 0), null, rand() < 0.3 ? 2 : undefined) ?? 'null';
      const bytes = Buffer.from(text, 'utf8');
      agree(bytes);
      for (let m = 0; m < 4; m++) {
        const at = Math.floor(rand() * (bytes.length + 1));
        const byte = alphabet[Math.floor(rand() * alphabet.length)]!;
        const kind = Math.floor(rand() * 4);
        const mutated =
          kind === 0
            ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)])
            : kind === 1
              ? Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)])
              : kind === 2
                ? Buffer.concat([
                    bytes.subarray(0, at),
                    Buffer.from([byte]),
                    bytes.subarray(at + 1),
                  ])
                : bytes.subarray(0, at);
        agree(mutated);
      }
    }
    // Short random strings of grammar characters reach odd corners fast.
    for (let round = 0; round < 20_000; round++) {
      const length = 1 + Math.floor(rand() * 8);
      agree(
        Buffer.from(Array.from({ length }, () => alphabet[Math.floor(rand() * alphabet.length)]!)),
      );
    }
  });

  it('refuses nesting deeper than MAX_JSON_DEPTH, which a reader might not parse', () => {
    expect(
      isJsonText(Buffer.from(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)),
    ).toBe(true);
    expect(
      isJsonText(Buffer.from(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)),
    ).toBe(false);
  });
});
