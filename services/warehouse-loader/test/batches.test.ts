import { batchManifestKey } from '@lakestream/silver';
import { describe, expect, it } from 'vitest';
import {
  type AppliedBatch,
  type BatchRef,
  listPublishedBatches,
  planBatches,
  readBatch,
} from '../src/batches.js';
import { writeSilverBatch } from './support/silver-writer.js';
import { customer } from './support/star-rows.js';
import { TestBed } from './support/test-bed.js';

const ref = (sequence: number): BatchRef => {
  const id = String(sequence).padStart(8, '0');
  return { id, sequence, key: batchManifestKey(id) };
};
const applied = (...sequences: number[]): Map<string, AppliedBatch> =>
  new Map(
    sequences.map((s) => {
      const { id } = ref(s);
      return [id, { id, sequence: s, sha256: 'x' }];
    }),
  );

describe('planBatches', () => {
  it('applies every unapplied batch after the last applied one, in order', () => {
    expect(planBatches([ref(1), ref(2), ref(3)], applied(1))).toEqual({
      lastApplied: ref(1),
      toApply: [ref(2), ref(3)],
    });
    expect(planBatches([ref(1), ref(2)], applied())).toEqual({ toApply: [ref(1), ref(2)] });
    expect(planBatches([], applied())).toEqual({ toApply: [] });
    expect(planBatches([ref(1), ref(2)], applied(1, 2)).toApply).toEqual([]);
  });

  it('stops at a gap after the batches before it', () => {
    const plan = planBatches([ref(1), ref(2), ref(4), ref(5)], applied(1));
    expect(plan.toApply).toEqual([ref(2)]);
    expect(plan.stop).toMatchObject({
      code: 'LS_LOADER_BATCH_GAP',
      message:
        'batch 00000004 is published but batch 00000003 is not: stopping before 00000004 rather than applying batches out of order',
    });
    expect(planBatches([ref(2)], applied()).stop?.code).toBe('LS_LOADER_BATCH_GAP');
  });

  it('refuses a batch published after a later one was applied', () => {
    expect(() => planBatches([ref(1), ref(2), ref(3)], applied(1, 3))).toThrow(
      expect.objectContaining({ code: 'LS_LOADER_BATCH_OUT_OF_ORDER' }),
    );
  });

  it('notices a warehouse ahead of its lake', () => {
    expect(() => planBatches([ref(1)], applied(1, 2))).toThrow(
      expect.objectContaining({ code: 'LS_LOADER_LAKE_MISMATCH' }),
    );
  });
});

describe('reading published batches', () => {
  it('lists manifests by sequence and ignores everything else under the prefix', async () => {
    const bed = new TestBed();
    try {
      const store = await bed.localStore();
      await writeSilverBatch(store, { sequence: 2, tables: { dim_customer: [customer(1)] } });
      await writeSilverBatch(store, { sequence: 10, tables: { dim_customer: [customer(2)] } });
      await writeSilverBatch(store, {
        sequence: 3,
        tables: { dim_customer: [customer(3)] },
        publish: false,
      });
      await store.put('silver/_batches/notes.txt', Buffer.from('x'));
      await store.put('silver/_batches/123.json', Buffer.from('{}'));
      expect(await listPublishedBatches(store)).toEqual([ref(2), ref(10)]);
      const batch = await readBatch(store, ref(2));
      expect(batch.manifest.tables.dim_customer.rows).toBe(1);
      expect(batch.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await bed.cleanup();
    }
  });

  it('rejects a manifest that does not parse or names another batch', async () => {
    const bed = new TestBed();
    try {
      const store = await bed.localStore();
      await store.put(batchManifestKey('00000001'), Buffer.from('{"version":1}'));
      await expect(readBatch(store, ref(1))).rejects.toMatchObject({
        code: 'LS_LOADER_MANIFEST_INVALID',
      });
      const manifest = await writeSilverBatch(store, {
        sequence: 2,
        tables: { dim_customer: [customer(1)] },
        publish: false,
      });
      await store.put(batchManifestKey('00000003'), Buffer.from(JSON.stringify(manifest)));
      await expect(readBatch(store, ref(3))).rejects.toMatchObject({
        code: 'LS_LOADER_MANIFEST_INVALID',
        message: expect.stringContaining('names batch 00000002 (sequence 2), not 00000003'),
      });
    } finally {
      await bed.cleanup();
    }
  });
});
