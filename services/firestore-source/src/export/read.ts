/**
 * Reading a collection at the run's read time: pages ordered by document name, each page a
 * read-only transaction at that time (the official emulator and Firestore both serve it; the
 * emulator has no PartitionQuery, and one ordered cursor needs none), each page retried with
 * backoff on UNAVAILABLE, DEADLINE_EXCEEDED and ABORTED.
 */
import {
  type CollectionReference,
  FieldPath,
  type Firestore,
  type QueryDocumentSnapshot,
  Timestamp,
} from '@google-cloud/firestore';
import { withRetry } from '@lakestream/config';
import { ExportError } from './errors.js';

// gRPC status codes worth another attempt.
const RETRYABLE_STATUS = new Set([
  4 /* DEADLINE_EXCEEDED */, 10 /* ABORTED */, 14 /* UNAVAILABLE */,
]);

/** A Firestore failure as an ExportError (a transient one retryable). */
export function sourceError(err: unknown, what: string): ExportError {
  if (err instanceof ExportError) return err;
  const status = (err as { code?: unknown }).code;
  const retryable = typeof status === 'number' && RETRYABLE_STATUS.has(status);
  return new ExportError(
    retryable ? 'LS_FIRESTORE_EXPORT_SOURCE_UNAVAILABLE' : 'LS_FIRESTORE_EXPORT_SOURCE_FAILED',
    `${what}: ${(err as Error).message}`,
    { cause: err, retryable },
  );
}

/** How reads are retried. */
export interface ReadRetry {
  maxAttempts: number;
  baseMs: number;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number) => void;
}

/** Runs a Firestore call, retrying the transient failures. */
export function withSourceRetry<T>(
  what: string,
  call: () => Promise<T>,
  retry: ReadRetry,
): Promise<T> {
  return withRetry(
    async () => {
      try {
        return await call();
      } catch (err) {
        throw sourceError(err, what);
      }
    },
    {
      retries: retry.maxAttempts - 1,
      baseMs: retry.baseMs,
      maxMs: 30_000,
      ...(retry.signal ? { signal: retry.signal } : {}),
      onRetry: ({ err, attempt }) => retry.onRetry?.(err, attempt),
    },
  );
}

/**
 * The run's read time, taken from the server (the read time of a first read), cut to whole
 * microseconds: Firestore refuses a read time finer than that.
 */
export async function serverReadTime(
  db: Firestore,
  collection: string,
  retry: ReadRetry,
): Promise<Timestamp> {
  const snapshot = await withSourceRetry(
    'taking the read time',
    () => db.collection(collection).limit(1).get(),
    retry,
  );
  const t = snapshot.readTime;
  return new Timestamp(t.seconds, Math.floor(t.nanoseconds / 1000) * 1000);
}

/** Where a page read stands; handed to the hook called before each page. */
export interface PageInfo {
  /** The collection's path (`teams`, `teams/t1/reports`). */
  path: string;
  /** 0 for the first page. */
  page: number;
}

/** One page after another of `ref` at `readTime`, until a short page. */
export async function* collectionPages(
  db: Firestore,
  ref: CollectionReference,
  readTime: Timestamp,
  options: { pageSize: number; retry: ReadRetry; beforePage?: (info: PageInfo) => Promise<void> },
): AsyncGenerator<QueryDocumentSnapshot[]> {
  let last: QueryDocumentSnapshot | undefined;
  for (let page = 0; ; page++) {
    await options.beforePage?.({ path: ref.path, page });
    let query = ref.orderBy(FieldPath.documentId()).limit(options.pageSize);
    if (last !== undefined) query = query.startAfter(last);
    const snapshot = await withSourceRetry(
      `reading ${ref.path} (page ${page})`,
      () => db.runTransaction((tx) => tx.get(query), { readOnly: true, readTime }),
      options.retry,
    );
    if (snapshot.size > 0) yield snapshot.docs;
    if (snapshot.size < options.pageSize) return;
    last = snapshot.docs.at(-1);
  }
}
