import { describe, expect, it } from 'vitest';
import { parseCommandLine, summaryLine, TransformerError } from '../src/index.js';

describe('command line', () => {
  it('reads the commands and their options', () => {
    expect(parseCommandLine([])).toEqual({ name: 'help' });
    expect(parseCommandLine(['run'])).toEqual({ name: 'run' });
    expect(parseCommandLine(['run', '--every', '15m'])).toEqual({ name: 'run', everyMs: 900_000 });
    expect(
      parseCommandLine(['run', '--every=1h', '--max-objects', '20', '--discover=listing']),
    ).toEqual({
      name: 'run',
      everyMs: 3_600_000,
      maxObjects: 20,
      discover: 'listing',
    });
    expect(parseCommandLine(['worker', '--max-objects=5'])).toEqual({
      name: 'worker',
      maxObjects: 5,
    });
  });

  it.each([
    [['transform'], "unknown command 'transform'"],
    [['run', '--every'], '--every needs a value'],
    [['run', '--every', '500ms'], '--every expects a duration of at least 1s'],
    [['worker', '--every', '15m'], '--every goes with run'],
    [['run', '--max-objects', '0'], '--max-objects expects a positive integer'],
    [['run', '--discover', 'guess'], '--discover expects manifests or listing'],
    [['run', '--fast'], "unknown option '--fast'"],
  ])('refuses %j with a usage error', (argv, message) => {
    let error: unknown;
    try {
      parseCommandLine(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TransformerError);
    expect(error).toMatchObject({ code: 'LS_TRANSFORMER_USAGE' });
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('usage: transformer');
  });

  it('summarises a run in one line', () => {
    expect(
      summaryLine({ kind: 'empty', discoveredBy: 'manifests', objectsFound: 3, seconds: 0.5 }),
    ).toBe(
      'nothing new to transform (3 committed bronze objects found by manifests, all processed) in 0.50 s',
    );
  });
});
