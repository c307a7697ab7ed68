/**
 * The document sources into the DuckDB warehouse: Firestore snapshots
 * (firestore-snapshot-duckdb.ts) and quality reports (quality-stream-duckdb.ts). The file is
 * opened per object and closed after, as the other writers do (dbt, the dashboard and the silver
 * loader open it too); objects on GCS are downloaded to a scratch folder first.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '@lakestream/object-store';
import type { DocumentsWriter } from './documents-writer.js';
import { withDuckdbFile } from './duckdb-file.js';
import { type BeforeCommit, replaceSnapshotDuckdb } from './firestore-snapshot-duckdb.js';
import { mergeQualityDuckdb } from './quality-stream-duckdb.js';
import { readQualityObject, stagedReportsJsonl } from './quality-stream-read.js';

/** Options of `createDocumentsDuckdbWriter`. */
export interface DocumentsDuckdbOptions {
  /** The warehouse file (created when missing). */
  path: string;
  /** The lake the objects are in: read in place when local, downloaded from GCS. */
  store: ObjectStore;
  /** Parent of the scratch folders; default the OS temp folder. */
  tempDir?: string;
  /** Runs inside a snapshot's transaction before its commit (tests look at the file there). */
  beforeSnapshotCommit?: (instance: DuckDBInstance) => Promise<void>;
}

/** The DuckDB writer of the document sources. */
export function createDocumentsDuckdbWriter(options: DocumentsDuckdbOptions): DocumentsWriter {
  const local = options.store.location.startsWith('file:');

  /** A scratch folder for one object, removed after `fn`. */
  async function scratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'lakestream-documents-'));
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    kind: 'duckdb',
    description: `duckdb ${options.path}`,

    replaceSnapshot(manifest) {
      return scratch(async (dir) => {
        let file: string | undefined;
        if (manifest.record_count > 0) {
          if (local) {
            file = fileURLToPath(options.store.uri(manifest.key));
          } else {
            file = join(dir, 'snapshot.jsonl.gz');
            await writeFile(file, await options.store.get(manifest.key));
          }
        }
        return withDuckdbFile(options.path, (conn, instance) => {
          const hook = options.beforeSnapshotCommit;
          const beforeCommit: BeforeCommit | undefined = hook ? () => hook(instance) : undefined;
          return replaceSnapshotDuckdb(conn, manifest, file, beforeCommit);
        });
      });
    },

    async mergeQualityReports(manifest) {
      const { staged, outcome } = await readQualityObject(options.store, manifest);
      if (staged.length === 0) return outcome;
      return scratch(async (dir) => {
        const file = join(dir, 'staged.jsonl');
        await writeFile(file, stagedReportsJsonl(staged));
        const what = `quality reports of ${manifest.key}`;
        const at = new Date().toISOString();
        const changed = await withDuckdbFile(options.path, (conn) =>
          mergeQualityDuckdb(conn, file, at, what),
        );
        return { ...outcome, changed };
      });
    },
  };
}
