import { describe, expect, it } from 'vitest';
import { parseCliArgs, USAGE } from '../src/cli-options.js';

describe('parseCliArgs', () => {
  it('defaults to the real file size and seed 42', () => {
    expect(parseCliArgs(['--out', 'x.csv'])).toEqual({
      kind: 'generate',
      rows: 180_519,
      seed: 42,
      out: 'x.csv',
    });
  });

  it('reads --rows, --seed and --out in any order, also as --name=value', () => {
    expect(parseCliArgs(['--seed=7', '--out', '/tmp/a.csv', '--rows', '1000'])).toEqual({
      kind: 'generate',
      rows: 1000,
      seed: 7,
      out: '/tmp/a.csv',
    });
  });

  it('ignores a leading -- that pnpm passes through', () => {
    expect(parseCliArgs(['--', '--rows', '5', '--out', 'f'])).toMatchObject({ rows: 5 });
  });

  it('answers --help and -h with the help command', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h', '--rows', 'nonsense'])).toEqual({ kind: 'help' });
    expect(USAGE).toMatch(/--rows N/);
    expect(USAGE).toMatch(/--seed S/);
    expect(USAGE).toMatch(/--out FILE/);
  });

  it.each([
    [['--rows', '1.5', '--out', 'f'], '--rows must be a non-negative integer, got "1.5"'],
    [['--rows', '-3', '--out', 'f'], /--rows|-3/],
    [['--rows', '1e5', '--out', 'f'], '--rows must be a non-negative integer, got "1e5"'],
    [['--rows', '', '--out', 'f'], '--rows must be a non-negative integer, got ""'],
    [['--seed', 'abc', '--out', 'f'], '--seed must be a non-negative integer, got "abc"'],
    [['--seed', '4294967296', '--out', 'f'], '--seed must be at most 4294967295, got 4294967296'],
    [['--rows', '10'], '--out FILE is required'],
    [['--out', 'f', '--colour'], /Unknown option '--colour'/],
    [['--out', 'f', 'extra'], /Unexpected argument 'extra'/],
    [['--out'], /--out/],
  ])('rejects %j', (argv, message) => {
    const command = parseCliArgs(argv);
    expect(command.kind).toBe('error');
    if (command.kind === 'error') expect(command.message).toMatch(message);
  });

  it('reports every bad option at once', () => {
    expect(parseCliArgs(['--rows', 'x', '--seed', 'y'])).toEqual({
      kind: 'error',
      message:
        '--rows must be a non-negative integer, got "x"; --seed must be a non-negative integer, got "y"; --out FILE is required',
    });
  });
});
