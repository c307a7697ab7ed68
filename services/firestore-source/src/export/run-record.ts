/**
 * The record of a collection's export in a run, kept in the lake beside its objects once they
 * are all written: the manifests that announce them. A re-run of the same run id finds it and
 * announces the same manifests again without reading Firestore (the run's read time may be past
 * its retention by then); without it the collection is read again.
 */
import {
  type BronzeFileManifest,
  BronzeFileManifestSchema,
  FIRESTORE_BRONZE_PREFIX,
} from '@lakestream/lake';
import { isObjectNotFound, type ObjectStore } from '@lakestream/object-store';
import { z } from 'zod';
import { storeFailed } from './errors.js';

const RunRecordSchema = z.object({
  version: z.literal(1),
  manifests: z.array(BronzeFileManifestSchema).min(1),
});

/** The key of a root collection's run record: `bronze/firestore/<project>/<collection>/_runs/<run>.json`. */
export function runRecordKey(project: string, collection: string, runId: string): string {
  return `${FIRESTORE_BRONZE_PREFIX}${project}/${collection}/_runs/${runId}.json`;
}

/** Writes the record (after every object it names is in the lake). */
export async function writeRunRecord(
  store: ObjectStore,
  key: string,
  manifests: readonly BronzeFileManifest[],
): Promise<void> {
  const body = Buffer.from(`${JSON.stringify({ version: 1, manifests }, null, 2)}\n`);
  try {
    await store.put(key, body, { contentType: 'application/json' });
  } catch (err) {
    throw storeFailed(err, `writing the run record ${key}`);
  }
}

/**
 * The manifests of an earlier export of the same run, when its record exists and every object it
 * names is still in the lake; undefined otherwise.
 */
export async function findRunRecord(
  store: ObjectStore,
  key: string,
): Promise<BronzeFileManifest[] | undefined> {
  let body: Buffer;
  try {
    body = await store.get(key);
  } catch (err) {
    if (isObjectNotFound(err)) return undefined;
    throw storeFailed(err, `reading the run record ${key}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    return undefined;
  }
  const parsed = RunRecordSchema.safeParse(json);
  if (!parsed.success) return undefined;
  for (const manifest of parsed.data.manifests) {
    try {
      let found = false;
      for await (const info of store.list(manifest.key)) found ||= info.key === manifest.key;
      if (!found) return undefined;
    } catch (err) {
      throw storeFailed(err, `looking for ${manifest.key}`);
    }
  }
  return parsed.data.manifests;
}
