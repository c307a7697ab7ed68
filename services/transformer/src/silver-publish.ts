import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isObjectExists, type ObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import {
  type BatchInput,
  type BatchManifest,
  BatchManifestSchema,
  batchManifestKey,
  quarantinePrefix,
  SILVER_TABLE_NAMES,
  type SilverFile,
  type SilverTableName,
  stagingPrefix,
  tableBatchPrefix,
} from '@lakestream/silver';
import type { BuiltBatch } from './batch-builder.js';
import type { BronzeObject } from './discovery.js';
import { TransformerError } from './errors.js';
import { mapLimit } from './silver-state.js';

const PARQUET_NAME_HASH_CHARS = 16;

/** Where a batch is published. */
export interface SilverTarget {
  store: ObjectStore;
  /** The store's folder when it is a local one: DuckDB then wrote the staged files in place. */
  localRoot: string | undefined;
  logger: Logger;
}

/** A batch built in DuckDB, ready to publish. */
export interface BatchToPublish {
  id: string;
  sequence: number;
  /** The bronze objects it consumed. */
  pending: readonly BronzeObject[];
  built: BuiltBatch;
  /** This run's folder under the batch's staging prefix. */
  staging: string;
  /** Where DuckDB wrote the Parquet files. */
  outDir: string;
}

/**
 * Publishes a built batch: Parquet files to the staging prefix → each promoted to its final key
 * (named by a hash of its bytes) → quarantine file → the manifest, created create-only (this
 * publishes the batch: a run that lost the race for the sequence fails here) → staging removed.
 */
export async function publishBatch(
  target: SilverTarget,
  batch: BatchToPublish,
): Promise<{ manifest: BatchManifest; manifestKey: string }> {
  const { store } = target;
  const { id, sequence, pending, built, staging, outDir } = batch;
  if (target.localRoot === undefined) {
    await mapLimit(built.files, 4, async (file) =>
      store.put(`${staging}${file.relativePath}`, await readFile(join(outDir, file.relativePath))),
    );
  }
  // Promote: every staged file to its final key (named by a hash of its bytes).
  const files = await mapLimit(
    built.files,
    4,
    async (file): Promise<SilverFile & { table: SilverTableName }> => {
      const body = await store.get(`${staging}${file.relativePath}`);
      const hash = createHash('sha256')
        .update(body)
        .digest('hex')
        .slice(0, PARQUET_NAME_HASH_CHARS);
      const key = `${tableBatchPrefix(file.table, id, file.orderMonth)}part-${hash}.parquet`;
      await store.put(key, body, { contentType: 'application/vnd.apache.parquet' });
      return {
        table: file.table,
        key,
        rows: file.rows,
        bytes: body.length,
        ...(file.orderMonth === undefined ? {} : { order_month: file.orderMonth }),
      };
    },
  );

  let quarantine: BatchManifest['quarantine'];
  if (built.quarantine.length > 0) {
    const key = `${quarantinePrefix(id)}rejected.jsonl.gz`;
    await store.put(key, gzipSync(`${built.quarantine.join('\n')}\n`), {
      contentType: 'application/gzip',
    });
    quarantine = { key, rows: built.quarantine.length };
  }

  const { counts } = built;
  const manifest = BatchManifestSchema.parse({
    version: 1,
    batch_id: id,
    sequence,
    created_at: new Date().toISOString(),
    inputs: pending.map((object) => batchInput(object, built)),
    tables: Object.fromEntries(
      SILVER_TABLE_NAMES.map((table) => [
        table,
        {
          rows: built.rows[table],
          files: files.filter((f) => f.table === table).map(({ table: _t, ...file }) => file),
        },
      ]),
    ) as BatchManifest['tables'],
    quality: {
      status: built.checks.some((c) => c.status === 'quarantined')
        ? 'passed_with_quarantine'
        : 'passed',
      records_in: counts.recordsIn,
      rows_out: counts.rowsOut,
      rejected: counts.payloadRejected + counts.ruleRejected,
      superseded: counts.superseded,
      checks: built.checks,
    },
    ...(quarantine === undefined ? {} : { quarantine }),
  } satisfies BatchManifest);

  const manifestKey = batchManifestKey(id);
  try {
    await store.put(manifestKey, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), {
      ifNotExists: true,
      contentType: 'application/json',
    });
  } catch (err) {
    if (!isObjectExists(err)) throw err;
    throw new TransformerError(
      'LS_TRANSFORMER_BATCH_CONFLICT',
      `batch ${id} was published by another run meanwhile; this run's result is discarded (run again to pick up what is still pending)`,
      { cause: err, details: { batchId: id, manifestKey } },
    );
  }
  await removeStaging(target, id);
  return { manifest, manifestKey };
}

/** Removes the batch's staging prefix; a failure only leaves it for the next batch of this id. */
async function removeStaging(target: SilverTarget, id: string): Promise<void> {
  const { store, localRoot } = target;
  try {
    if (localRoot !== undefined) {
      await rm(join(localRoot, stagingPrefix(id)), { recursive: true, force: true });
    } else {
      const keys: string[] = [];
      for await (const info of store.list(stagingPrefix(id))) keys.push(info.key);
      await mapLimit(keys, 8, (key) => store.delete(key));
    }
  } catch (err) {
    target.logger.warn(
      { err, batchId: id },
      'could not remove the staging prefix; it is removed after the next batch of this id',
    );
  }
}

/** The manifest's record of a consumed object: its manifest's figures, or what was read of it. */
function batchInput(object: BronzeObject, built: BuiltBatch): BatchInput {
  if (object.recordCount !== undefined) {
    return {
      key: object.key,
      topic: object.topic,
      partition: object.partition,
      first_offset: object.firstOffset,
      last_offset: object.endOffset - 1,
      record_count: object.recordCount,
    };
  }
  const read = built.objects.get(object.key);
  return {
    key: object.key,
    topic: object.topic,
    partition: object.partition,
    first_offset: read?.firstOffset ?? object.firstOffset,
    last_offset: read?.lastOffset ?? object.firstOffset,
    record_count: read?.records ?? 0,
  };
}
