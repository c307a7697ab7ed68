import { describe, expect, it } from 'vitest';
import { type Clock, Pacer } from '../src/index.js';

/** A clock that only moves when the pacer sleeps (or the test says so). */
function fakeClock(): Clock & { t: number; sleeps: number[] } {
  const clock = {
    t: 1_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

describe('Pacer', () => {
  it('bulk never waits', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ kind: 'bulk' }, clock);
    for (let i = 0; i < 100; i++) await pacer.wait(undefined);
    expect(clock.sleeps).toEqual([]);
  });

  it('--rate 400: 200 rows take 199 intervals of 2.5 ms', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ kind: 'rate', rowsPerSecond: 400 }, clock);
    const start = clock.t;
    for (let i = 0; i < 200; i++) await pacer.wait(undefined);
    expect(clock.t - start).toBeCloseTo(199 * 2.5, 6);
  });

  it('keeps the average rate when producing itself takes time (no drift)', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ kind: 'rate', rowsPerSecond: 100 }, clock);
    const start = clock.t;
    for (let i = 0; i < 100; i++) {
      await pacer.wait(undefined);
      clock.t += 3; // work between rows
    }
    expect(clock.t - start).toBeCloseTo(99 * 10 + 3, 6);
  });

  it('does not burst to catch up after a long stall', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ kind: 'rate', rowsPerSecond: 100 }, clock);
    await pacer.wait(undefined);
    clock.t += 5_000; // e.g. the broker was away
    await pacer.wait(undefined);
    await pacer.wait(undefined);
    expect(clock.sleeps.at(-1)).toBeCloseTo(10, 6);
  });

  it('--speedup replays the gaps between order dates, scaled and capped', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ kind: 'event-time', speedup: 60, maxGapMs: 5_000 }, clock);
    const minute = 60_000;
    const t0 = Date.UTC(2017, 0, 1);
    const start = clock.t;
    await pacer.wait(t0); // first row: at once
    expect(clock.t).toBe(start);
    await pacer.wait(t0 + minute); // one minute later at 60x: 1 s
    expect(clock.t - start).toBeCloseTo(1_000, 6);
    await pacer.wait(t0 + minute); // same order date: at once
    expect(clock.t - start).toBeCloseTo(1_000, 6);
    await pacer.wait(t0 + 10 * 24 * 60 * minute); // ten days later: capped
    expect(clock.t - start).toBeCloseTo(6_000, 6);
    await pacer.wait(t0); // older than what was sent (unsorted file): at once, no rewind
    await pacer.wait(t0 + 10 * 24 * 60 * minute + 2 * minute); // 2 min past the latest: 2 s
    expect(clock.t - start).toBeCloseTo(8_000, 6);
  });

  it('wakes early when the signal aborts', async () => {
    const pacer = new Pacer({ kind: 'rate', rowsPerSecond: 0.1 });
    const controller = new AbortController();
    await pacer.wait(undefined);
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await pacer.wait(undefined, controller.signal);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
