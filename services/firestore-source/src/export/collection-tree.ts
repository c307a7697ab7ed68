/**
 * One root collection of a project read at the run's read time into one gzip NDJSON writer per
 * table: the collection's own, and with subcollections on, one per subcollection shape
 * (`teams__reports` for `teams/{id}/reports`), rows keeping their full `_ls_path`.
 */
import type { CollectionReference, Firestore, Timestamp } from '@google-cloud/firestore';
import { ColumnTypes, documentRow, type RowContext } from './encode.js';
import { GzipNdjsonWriter } from './ndjson-writer.js';
import { collectionPages, type PageInfo, type ReadRetry, withSourceRetry } from './read.js';

/** The rows of one table, being written. */
export interface TableOutput {
  /** Warehouse table (and lake folder): `teams`, `teams__reports`. */
  table: string;
  /** The collection id the rows come from (`reports` for `teams__reports`). */
  collectionId: string;
  writer: GzipNdjsonWriter;
  types: ColumnTypes;
}

/** What a tree read needs. */
export interface TreeReadOptions {
  db: Firestore;
  readTime: Timestamp;
  row: RowContext;
  pageSize: number;
  subcollections: boolean;
  retry: ReadRetry;
  /** Called before each page read (tests change documents here). */
  beforePage?: (info: PageInfo) => Promise<void>;
  /** Called once per document written. */
  onDocument?: () => void;
}

/** Reads `root` (and its subcollections when asked) into tables; resolves with them, root first. */
export async function readCollectionTree(
  options: TreeReadOptions,
  root: CollectionReference,
): Promise<TableOutput[]> {
  const outputs = new Map<string, TableOutput>();
  const output = (table: string, collectionId: string) => {
    let out = outputs.get(table);
    if (out === undefined) {
      out = { table, collectionId, writer: new GzipNdjsonWriter(), types: new ColumnTypes() };
      outputs.set(table, out);
    }
    return out;
  };
  const read = async (ref: CollectionReference, table: string): Promise<void> => {
    const out = output(table, ref.id);
    for await (const docs of collectionPages(options.db, ref, options.readTime, options)) {
      for (const doc of docs) {
        const fields = doc.data();
        await out.writer.write(documentRow(doc.ref.path, fields, options.row));
        out.types.add(fields, doc.ref.path);
        options.onDocument?.();
        if (!options.subcollections) continue;
        const subs = await withSourceRetry(
          `listing the subcollections of ${doc.ref.path}`,
          () => doc.ref.listCollections(),
          options.retry,
        );
        subs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        for (const sub of subs) await read(sub, `${table}__${sub.id}`);
      }
    }
  };
  await read(root, root.id);
  return [...outputs.values()];
}
