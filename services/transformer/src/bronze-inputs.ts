import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isObjectNotFound, type ObjectStore } from '@lakestream/object-store';
import type { LocalInput } from './batch-builder.js';
import type { BronzeObject } from './discovery.js';
import { TransformerError } from './errors.js';
import { COMPONENT, type TransformerMetrics } from './metrics.js';
import { mapLimit } from './silver-state.js';

/** Where a batch's bronze objects are read from. */
export interface BronzeSource {
  store: ObjectStore;
  /** The store's folder when it is a local one: the objects are read in place. */
  localRoot: string | undefined;
  metrics: TransformerMetrics;
}

/** Local paths of the objects: in the store's folder, or downloaded to `dir`. */
export async function localInputs(
  source: BronzeSource,
  objects: readonly BronzeObject[],
  dir: string,
): Promise<LocalInput[]> {
  const { store, localRoot, metrics } = source;
  return mapLimit(objects, 8, async (object) => {
    const input: LocalInput = {
      key: object.key,
      path: localRoot === undefined ? join(dir, object.key) : join(localRoot, object.key),
      partition: object.partition,
      firstOffset: object.firstOffset,
      endOffset: object.endOffset,
      ...(object.recordCount === undefined ? {} : { recordCount: object.recordCount }),
    };
    // A committed object that is not there is lost data, not a bad object: quarantining it
    // and marking it processed would publish silver without its records, for good.
    const missing = (cause?: unknown) =>
      new TransformerError(
        'LS_TRANSFORMER_BRONZE_MISSING',
        `bronze object ${object.key} (${object.topic}/${object.partition}, offsets ${object.firstOffset}–${object.endOffset - 1}) is announced but not in the store; nothing is published until it is restored`,
        { ...(cause === undefined ? {} : { cause }), details: { key: object.key } },
      );
    if (localRoot === undefined) {
      let body: Buffer;
      try {
        body = await store.get(object.key);
      } catch (err) {
        if (isObjectNotFound(err)) throw missing(err);
        throw err;
      }
      await mkdir(dirname(input.path), { recursive: true });
      await writeFile(input.path, body);
      metrics.receivedBytes.inc({ component: COMPONENT }, body.length);
    } else {
      await access(input.path).catch((err: unknown) => {
        throw (err as { code?: unknown }).code === 'ENOENT' ? missing(err) : err;
      });
      if (object.bytes !== undefined)
        metrics.receivedBytes.inc({ component: COMPONENT }, object.bytes);
    }
    return input;
  });
}
