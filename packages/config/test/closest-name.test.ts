import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../src/closest-name.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('TOPIC', 'TOPIC')).toBe(0);
    expect(editDistance('TOPC', 'TOPIC')).toBe(1);
    expect(editDistance('TOPIX', 'TOPIC')).toBe(1);
    expect(editDistance('', 'ABC')).toBe(3);
    expect(editDistance('KITTEN', 'SITTING')).toBe(3);
  });
});

describe('closestName', () => {
  const declared = ['LAKESTREAM_PRODUCER_TOPIC', 'LAKESTREAM_PRODUCER_BATCH_SIZE'];

  it('suggests the nearest declared name for a plausible typo', () => {
    expect(closestName('LAKESTREAM_PRODUCER_TOPC', declared)).toBe('LAKESTREAM_PRODUCER_TOPIC');
    expect(closestName('LAKESTREAM_PRODUCER_BATCHSIZE', declared)).toBe(
      'LAKESTREAM_PRODUCER_BATCH_SIZE',
    );
  });

  it('suggests nothing when no name is close', () => {
    expect(closestName('LAKESTREAM_PRODUCER_COMPRESSION', declared)).toBeUndefined();
    expect(closestName('AB', ['XY'])).toBeUndefined();
  });
});
