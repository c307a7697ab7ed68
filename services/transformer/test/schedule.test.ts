import { describe, expect, it } from 'vitest';
import { type BatchOutcome, createSchedule } from '../src/index.js';
import { testLogger } from './support/test-bed.js';

const empty: BatchOutcome = {
  kind: 'empty',
  discoveredBy: 'manifests',
  objectsFound: 0,
  seconds: 0,
};

describe('run --every', () => {
  it('runs a batch per period, goes on after a failed one, and stops after the batch in flight', async () => {
    const outcomes: BatchOutcome[] = [];
    let calls = 0;
    let release: (() => void) | undefined;
    const schedule = createSchedule({
      everyMs: 20,
      logger: testLogger,
      onOutcome: (outcome) => outcomes.push(outcome),
      runBatch: async () => {
        calls++;
        if (calls === 2) throw new Error('object store unreachable');
        if (calls === 4) {
          // The fourth batch is in flight when the stop comes.
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        return empty;
      },
    });
    const loop = schedule.run();
    while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    schedule.stop();
    expect(() => schedule.checkReady()).toThrow('shutting down');
    let stopped = false;
    const done = schedule.stopped().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    release();
    await done;
    await loop;
    expect(calls).toBe(4);
    expect(outcomes).toHaveLength(3);
  });
});
