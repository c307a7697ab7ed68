import { describe, expect, it } from 'vitest';
import { createAnswerCache } from '../src/index.js';

describe('answer cache', () => {
  it('reuses an answer within the TTL and asks again after it', async () => {
    let now = 0;
    let calls = 0;
    const cache = createAnswerCache(1_000, () => now);
    const compute = async () => ++calls;
    expect(await cache.get('a', compute)).toBe(1);
    now = 999;
    expect(await cache.get('a', compute)).toBe(1);
    now = 1_001;
    expect(await cache.get('a', compute)).toBe(2);
    expect(await cache.get('b', compute)).toBe(3);
  });

  it('shares one computation among concurrent askers, even with a TTL of 0', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const cache = createAnswerCache(0);
    const compute = async () => {
      calls += 1;
      await gate;
      return calls;
    };
    const answers = Promise.all([cache.get('a', compute), cache.get('a', compute)]);
    release();
    expect(await answers).toEqual([1, 1]);
    expect(calls).toBe(1);
    expect(await cache.get('a', compute)).toBe(2);
  });

  it('never reuses a failure', async () => {
    let calls = 0;
    const cache = createAnswerCache(60_000);
    const flaky = async () => {
      calls += 1;
      if (calls === 1) throw new Error('warehouse locked');
      return 'ok';
    };
    await expect(cache.get('a', flaky)).rejects.toThrow('warehouse locked');
    expect(await cache.get('a', flaky)).toBe('ok');
  });
});
