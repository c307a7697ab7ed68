import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressLine, repeatRun } from '../src/repeated-run.js';

describe('repeatRun', () => {
  it('runs once without an interval and resolves with its status', async () => {
    let runs = 0;
    const status = await repeatRun(async () => ++runs && 1, {
      signal: new AbortController().signal,
      onError: () => {},
    });
    expect([runs, status]).toEqual([1, 1]);
  });

  it('goes on after a run that throws, and stops at the abort once the run under way ends', async () => {
    const stop = new AbortController();
    const errors: unknown[] = [];
    let runs = 0;
    const status = await repeatRun(
      async () => {
        runs++;
        if (runs === 1) throw new Error('source away');
        if (runs === 3) stop.abort();
        return 0;
      },
      { everyMs: 1, signal: stop.signal, onError: (err) => errors.push(err) },
    );
    expect([runs, status, (errors[0] as Error).message]).toEqual([3, 0, 'source away']);
  });

  it('ends the progress line of a run that throws, before its error is told', async () => {
    const out = Object.assign(new PassThrough(), { isTTY: true });
    const progress = progressLine('export', 'documents read', out as never)!;
    const told: string[] = [];
    await repeatRun(
      async () => {
        progress.add(3);
        throw new Error('source away');
      },
      {
        signal: new AbortController().signal,
        progress,
        onError: (err) => told.push(`${String(out.read())}|${(err as Error).message}`),
      },
    );
    expect(told).toEqual(['\rexport: 3 documents read\rexport: 3 documents read\n|source away']);
  });
});

describe('progressLine', () => {
  it('writes nothing where the stream is no terminal', () => {
    expect(progressLine('x', 'rows', new PassThrough() as unknown as NodeJS.WriteStream)).toBe(
      undefined,
    );
  });

  it('rewrites one line on a terminal and ends it with the total', () => {
    const out = new PassThrough();
    const line = progressLine(
      'db-sync',
      'rows read',
      Object.assign(out, { isTTY: true }) as never,
    )!;
    line.add(5);
    line.add(2);
    line.end();
    expect(String(out.read())).toBe('\rdb-sync: 5 rows read\rdb-sync: 7 rows read\n');
  });
});
