import { describe, expect, expectTypeOf, it } from 'vitest';
import { envVar, formatDuration, parseDuration, parseEvery } from '../src/env-vars.js';

function messages(result: { success: boolean; error?: { issues: { message: string }[] } }) {
  return result.error?.issues.map((issue) => issue.message) ?? [];
}

describe('envVar.int', () => {
  it('parses integers within bounds', () => {
    const schema = envVar.int({ min: 1, max: 10 });
    expect(schema.parse('7')).toBe(7);
    expect(schema.parse(' 10 ')).toBe(10);
    expect(envVar.int().parse('-3')).toBe(-3);
  });

  it('rejects non-integers and out-of-range values, naming the bounds', () => {
    const schema = envVar.int({ min: 1, max: 10 });
    for (const bad of ['0', '11', '1.5', 'ten', '1e3', '']) {
      expect(messages(schema.safeParse(bad))).toEqual(['expected an integer between 1 and 10']);
    }
    expect(messages(envVar.int({ min: 0 }).safeParse('-1'))).toEqual(['expected an integer >= 0']);
    expect(envVar.int().safeParse('99999999999999999999').success).toBe(false);
  });

  it('port accepts 0 (ephemeral) to 65535', () => {
    expect(envVar.port().parse('0')).toBe(0);
    expect(envVar.port().parse('65535')).toBe(65535);
    expect(envVar.port().safeParse('65536').success).toBe(false);
  });
});

describe('envVar.duration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
  ])('%s is %i ms', (text, ms) => {
    expect(envVar.duration().parse(text)).toBe(ms);
    expect(parseDuration(text)).toBe(ms);
  });

  it('requires a unit and rejects garbage', () => {
    for (const bad of ['500', '10 s', 'ten seconds', '1w', '-5s']) {
      expect(messages(envVar.duration().safeParse(bad))).toEqual([
        'expected a duration like 500ms, 10s, 15m or 1h',
      ]);
    }
  });

  it('checks bounds in milliseconds and reports them as durations', () => {
    const schema = envVar.duration({ min: 1_000, max: 60_000 });
    expect(schema.parse('30s')).toBe(30_000);
    expect(messages(schema.safeParse('2m'))).toEqual(['expected a duration between 1s and 1m']);
  });

  it('formats milliseconds back into the largest exact unit', () => {
    expect(formatDuration(10_000)).toBe('10s');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(0)).toBe('0ms');
  });

  it("reads a command's --every: a duration of at least 1s, else a message naming the value", () => {
    expect(parseEvery('24h')).toEqual({ everyMs: 86_400_000 });
    expect(parseEvery('1s')).toEqual({ everyMs: 1_000 });
    for (const bad of ['10ms', 'daily', '5']) {
      expect(parseEvery(bad)).toEqual({
        error: `--every expects a duration of at least 1s (like 30s, 15m, 1h), got '${bad}'`,
      });
    }
  });
});

describe('envVar.bool', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['No', false],
  ])('%s is %s', (text, value) => {
    expect(envVar.bool().parse(text)).toBe(value);
  });

  it('rejects anything else', () => {
    expect(messages(envVar.bool().safeParse('maybe'))).toEqual([
      'expected true/false, 1/0 or yes/no',
    ]);
  });
});

describe('envVar.list', () => {
  it('splits on commas, trims and drops empty items', () => {
    expect(envVar.list().parse(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
  });

  it('parses items with an item schema and names the bad item', () => {
    const numbers = envVar.list(envVar.int()).parse('1,2,3');
    expect(numbers).toEqual([1, 2, 3]);
    expectTypeOf(numbers).toEqualTypeOf<number[]>();
    expect(messages(envVar.list(envVar.int()).safeParse('1,x,3'))).toEqual([
      'item 2: expected an integer',
    ]);
  });

  it('rejects a list with no items', () => {
    expect(envVar.list().safeParse(' , ').success).toBe(false);
  });
});

describe('envVar.hostPorts', () => {
  it('accepts host names, IPv4 and bracketed IPv6', () => {
    expect(envVar.hostPorts().parse('127.0.0.1:9092, other:9093,[::1]:9094')).toEqual([
      '127.0.0.1:9092',
      'other:9093',
      '[::1]:9094',
    ]);
  });

  it.each(['foo', 'host:', ':9092', 'host:0', 'host:70000', 'a:1,b', 'http://host:9092'])(
    'rejects %s',
    (bad) => {
      expect(messages(envVar.hostPorts().safeParse(bad))).toEqual(['expected host:port list']);
    },
  );
});

describe('envVar.url', () => {
  it('accepts absolute URLs and keeps the string as given', () => {
    const text = 'postgres://user:pw@db:5432/lake?sslmode=disable';
    expect(envVar.url().parse(text)).toBe(text);
  });

  it('rejects relative URLs and wrong protocols', () => {
    expect(messages(envVar.url().safeParse('/just/a/path'))).toEqual(['expected an absolute URL']);
    const pg = envVar.url({ protocols: ['postgres', 'postgresql'] });
    expect(pg.parse('postgresql://db/lake')).toBe('postgresql://db/lake');
    expect(messages(pg.safeParse('http://db/lake'))).toEqual([
      'expected a URL (postgres://, postgresql://)',
    ]);
  });
});

describe('envVar.enum', () => {
  it('matches case-insensitively and returns the canonical value', () => {
    const schema = envVar.enum(['debug', 'info']);
    expect(schema.parse('INFO')).toBe('info');
  });

  it('lists the allowed values when the value is unknown', () => {
    expect(messages(envVar.enum(['debug', 'info']).safeParse('verbose'))).toEqual([
      'expected one of debug|info',
    ]);
  });
});

describe('envVar.string', () => {
  it('trims and optionally checks a pattern', () => {
    expect(envVar.string().parse('  orders ')).toBe('orders');
    const topic = envVar.string({ pattern: /^[a-z.]+$/, expected: 'a topic name' });
    expect(topic.parse('orders.raw')).toBe('orders.raw');
    expect(messages(topic.safeParse('Orders!'))).toEqual(['expected a topic name']);
  });
});
