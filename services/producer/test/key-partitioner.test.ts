import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../src/key-partitioner.js';

/** kafkajs's default partitioner, the reference the emitter must agree with. */
function kafkajsPartition(key: string, partitions: number): number {
  const partitionMetadata = Array.from(
    { length: partitions },
    (_, partitionId): PartitionMetadata => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
    }),
  );
  return Partitioners.DefaultPartitioner()({
    topic: 't',
    partitionMetadata,
    message: { key, value: null },
  });
}

describe('partitionForKey', () => {
  it("matches kafkajs's default (Java-compatible murmur2) partitioner", () => {
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      '12345',
      'Ñandú',
      'café-Ωμέγα-😀',
      'x'.repeat(37),
    ];
    for (let i = 0; i < 2000; i++) keys.push(String(i * 7919));
    let seed = 42;
    for (let i = 0; i < 500; i++) {
      let key = '';
      const length = i % 23;
      for (let j = 0; j < length; j++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        key += String.fromCharCode(seed % (j % 3 === 0 ? 0x3000 : 0x80));
      }
      keys.push(key);
    }
    for (const partitions of [1, 3, 7, 12, 100]) {
      for (const key of keys) {
        expect(partitionForKey(Buffer.from(key), partitions)).toBe(
          kafkajsPartition(key, partitions),
        );
      }
    }
  });
});
