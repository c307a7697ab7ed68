/**
 * What each table last reached, per database in `$LAKESTREAM_HOME/sync_state/<database>.json`.
 * Written atomically (temp file + rename, one write at a time per database) and only once the
 * warehouse confirmed a table's rows durable; deleting the file forces the database's full resync.
 * A lock file keeps two syncs of one database from overlapping.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DbColumnSchema, DbSchemaChangeSchema } from '@lakestream/lake';
import { z } from 'zod';
import { DbSyncError } from './errors.js';

/** A schema change: seen at the source by the sync (`drift`) or made by the warehouse (`applied`). */
export const SchemaEventSchema = DbSchemaChangeSchema.extend({
  source: z.enum(['drift', 'applied']),
  at: z.string(),
});
export type SchemaEvent = z.infer<typeof SchemaEventSchema>;

/** One table's state. */
export const TableStateSchema = z.object({
  /** The last confirmed upper bound, as the source spells it (no zone); null before any. */
  watermark: z.string().nullable(),
  /** `datetime` (naive, in `source_time_zone`) or `timestamp` (UTC). */
  watermark_kind: z.enum(['datetime', 'timestamp']).nullable(),
  source_time_zone: z.string(),
  mode: z.enum(['full', 'incremental', 'reconcile']),
  write: z.enum(['replace', 'merge', 'append', 'reconcile']),
  rows: z.number().int().nonnegative(),
  status: z.enum(['ok', 'failed']),
  last_error: z.string().nullable(),
  last_run_id: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  seconds: z.number().nonnegative(),
  primary_key: z.array(z.string()),
  cursor_column: z.string().nullable(),
  columns: z.array(DbColumnSchema),
  schema_changes: z.array(SchemaEventSchema),
});
export type TableState = z.infer<typeof TableStateSchema>;

/** A database's state file. */
export const DatabaseStateSchema = z.object({
  version: z.literal(1),
  database: z.string(),
  tables: z.record(z.string(), TableStateSchema),
});
export type DatabaseState = z.infer<typeof DatabaseStateSchema>;

/** Schema events kept per table (the newest). */
export const MAX_SCHEMA_EVENTS = 100;

/** The folder of the state files. */
export function stateDir(lakestreamHome: string): string {
  return join(lakestreamHome, 'sync_state');
}

/** A database's state as last written; empty when there is no file (first sync, or deleted). */
export function readDatabaseState(lakestreamHome: string, database: string): DatabaseState {
  const path = join(stateDir(lakestreamHome), `${database}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { version: 1, database, tables: {} };
    }
    throw err;
  }
  const parsed = DatabaseStateSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new DbSyncError(
      'LS_DB_SYNC_STATE_INVALID',
      `${path} does not hold a sync state (${parsed.error.issues[0]?.message ?? 'invalid'}); delete it to resync ${database} in full`,
    );
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The state of one database during a sync: updates are applied in memory and written one at a
 * time (each write is the whole file, renamed into place), so a crash leaves the old file or the
 * new one, never a mix.
 */
export class DatabaseStateStore {
  private state: DatabaseState;
  private writing: Promise<void> = Promise.resolve();
  readonly path: string;

  constructor(
    private readonly lakestreamHome: string,
    readonly database: string,
  ) {
    this.state = readDatabaseState(lakestreamHome, database);
    this.path = join(stateDir(lakestreamHome), `${database}.json`);
  }

  /** The table's state as of the last update; undefined before its first sync. */
  table(name: string): TableState | undefined {
    return this.state.tables[name];
  }

  /** Replaces the table's state and writes the file; resolves once it is renamed into place. */
  update(name: string, next: TableState): Promise<void> {
    this.state = { ...this.state, tables: { ...this.state.tables, [name]: next } };
    const snapshot = JSON.stringify(this.state, null, 2);
    this.writing = this.writing.then(() => this.write(snapshot));
    return this.writing;
  }

  private write(text: string): void {
    mkdirSync(stateDir(this.lakestreamHome), { recursive: true });
    const temp = `${this.path}.${process.pid}.${randomUUID()}.tmp`;
    try {
      writeFileSync(temp, `${text}\n`);
      renameSync(temp, this.path);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }
}
