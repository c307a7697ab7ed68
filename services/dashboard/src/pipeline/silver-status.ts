import type { ObjectStore } from '@lakestream/object-store';
import {
  BATCHES_PREFIX,
  type BatchManifest,
  batchIdOfManifestKey,
  parseBatchManifest,
  type QualityCheck,
} from '@lakestream/silver';

/** The last published silver batch, as the silver panel shows it. */
export interface SilverBatch {
  batch_id: string;
  manifest_key: string;
  created_at: string;
  /** Bronze objects it consumed. */
  inputs: number;
  /** Rows written per silver table. */
  rows: Record<string, number>;
  /** The data-quality gate's result. */
  quality: {
    status: BatchManifest['quality']['status'];
    records_in: number;
    rows_out: number;
    rejected: number;
    superseded: number;
    checks: QualityCheck[];
  };
  quarantine: { key: string; rows: number } | null;
}

/** The silver panel's data. */
export type SilverStatus =
  | { state: 'ok'; batches: number; latest: SilverBatch }
  | { state: 'none'; reason: string }
  | { state: 'invalid'; manifest_key: string; reason: string }
  | { state: 'unavailable'; reason: string };

/** The first problem of a JSON or zod error, on one line. */
function describeParseError(err: unknown): string {
  const issues = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  const first = Array.isArray(issues) ? issues[0] : undefined;
  if (first !== undefined) {
    const more = issues!.length > 1 ? ` (and ${issues!.length - 1} more)` : '';
    return `${first.path.map(String).join('.') || '(root)'}: ${first.message}${more}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * The newest published silver batch: the highest `silver/_batches/<id>.json` (ids are zero-padded
 * sequence numbers, so the last key is the last batch), read and checked by the silver contract.
 */
export async function readSilverStatus(store: ObjectStore): Promise<SilverStatus> {
  let latestKey: string | undefined;
  let batches = 0;
  let text: string;
  try {
    for await (const { key } of store.list(BATCHES_PREFIX)) {
      if (batchIdOfManifestKey(key) === undefined) continue;
      batches += 1;
      if (latestKey === undefined || key > latestKey) latestKey = key;
    }
    if (latestKey === undefined) {
      return { state: 'none', reason: `no published silver batch in ${store.location} yet` };
    }
    text = (await store.get(latestKey)).toString('utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { state: 'unavailable', reason: `object store unavailable: ${reason}` };
  }
  let manifest: BatchManifest;
  try {
    manifest = parseBatchManifest(text);
  } catch (err) {
    return {
      state: 'invalid',
      manifest_key: latestKey,
      reason: `not a batch manifest: ${describeParseError(err)}`,
    };
  }
  const rows: Record<string, number> = {};
  for (const [table, written] of Object.entries(manifest.tables)) rows[table] = written.rows;
  const { quality } = manifest;
  return {
    state: 'ok',
    batches,
    latest: {
      batch_id: manifest.batch_id,
      manifest_key: latestKey,
      created_at: manifest.created_at,
      inputs: manifest.inputs.length,
      rows,
      quality: {
        status: quality.status,
        records_in: quality.records_in,
        rows_out: quality.rows_out,
        rejected: quality.rejected,
        superseded: quality.superseded,
        checks: quality.checks,
      },
      quarantine: manifest.quarantine ?? null,
    },
  };
}
