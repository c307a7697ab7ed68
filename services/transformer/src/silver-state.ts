import type { ObjectStore } from '@lakestream/object-store';
import {
  BATCHES_PREFIX,
  type BatchManifest,
  batchIdOfManifestKey,
  parseBatchManifest,
} from '@lakestream/silver';
import { TransformerError } from './errors.js';

/** What the published batches say: the transformer keeps no other state. */
export interface SilverState {
  /** Bronze object keys some published batch consumed. */
  processed: Set<string>;
  /** Sequence of the last published batch; 0 when none. */
  lastSequence: number;
  /** The published manifests, in batch order. */
  manifests: BatchManifest[];
}

/** Reads every published manifest under `silver/_batches/`. */
export async function readSilverState(store: ObjectStore): Promise<SilverState> {
  const processed = new Set<string>();
  const manifests: BatchManifest[] = [];
  const keys: string[] = [];
  for await (const info of store.list(BATCHES_PREFIX)) {
    if (batchIdOfManifestKey(info.key) !== undefined) keys.push(info.key);
  }
  // Key order is batch order (zero-padded ids); read a few at a time.
  const texts = await mapLimit(keys, 16, async (key) => (await store.get(key)).toString('utf8'));
  texts.forEach((text, i) => {
    let manifest: BatchManifest;
    try {
      manifest = parseBatchManifest(text);
    } catch (err) {
      throw new TransformerError(
        'LS_TRANSFORMER_STATE_INVALID',
        `published batch manifest ${keys[i]} does not parse: which bronze objects are processed is unknown`,
        { cause: err, details: { key: keys[i] } },
      );
    }
    manifests.push(manifest);
    for (const input of manifest.inputs) processed.add(input.key);
  });
  const lastSequence = manifests.reduce((max, m) => Math.max(max, m.sequence), 0);
  return { processed, lastSequence, manifests };
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight, results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}
