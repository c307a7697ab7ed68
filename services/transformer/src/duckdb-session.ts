import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SESSION_SETUP } from './star-schema-sql.js';

/** Settings of a DuckDB session. */
export interface DuckdbSettings {
  /** Worker threads; default one per CPU. */
  threads?: number;
  /** e.g. `2GB`; default DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /** Where DuckDB spills when memory runs short. */
  tempDirectory?: string;
  /** Called after each statement with its wall and CPU time (the whole process's CPU). */
  trace?: (entry: { sql: string; wallMs: number; cpuMs: number }) => void;
}

/** An in-memory DuckDB database with one connection, for one batch. */
export interface DuckdbSession {
  connection: DuckDBConnection;
  /** Runs statements one after the other. */
  run(...statements: string[]): Promise<void>;
  /** The rows of a query as plain JS values (BIGINT → bigint, DATE → string via JSON form). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** The first column of the first row, as a number. */
  count(sql: string): Promise<number>;
  /** Closes connection and database. Idempotent. */
  close(): void;
}

/** Runs a statement, timing it for `trace` when there is one. */
async function traced<T>(
  trace: DuckdbSettings['trace'],
  sql: string,
  run: () => Promise<T>,
): Promise<T> {
  if (trace === undefined) return run();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(cpu);
  trace({
    sql: sql.slice(0, 200).replace(/\s+/g, ' '),
    wallMs: Math.round(performance.now() - started),
    cpuMs: Math.round((used.user + used.system) / 1000),
  });
  return result;
}

/** Opens an in-memory DuckDB session with the transformer's settings. */
export async function openDuckdb(settings: DuckdbSettings = {}): Promise<DuckdbSession> {
  const options: Record<string, string> = { autoinstall_known_extensions: 'false' };
  if (settings.threads !== undefined) options.threads = String(settings.threads);
  if (settings.memoryLimit !== undefined) options.memory_limit = settings.memoryLimit;
  if (settings.tempDirectory !== undefined) options.temp_directory = settings.tempDirectory;
  const instance = await DuckDBInstance.create(':memory:', options);
  const connection = await instance.connect();
  let closed = false;
  const session: DuckdbSession = {
    connection,
    async run(...statements) {
      for (const statement of statements)
        await traced(settings.trace, statement, () => connection.run(statement));
    },
    async rows(sql) {
      const reader = await traced(settings.trace, sql, () => connection.runAndReadAll(sql));
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    },
    async count(sql) {
      const reader = await traced(settings.trace, sql, () => connection.runAndReadAll(sql));
      const value = reader.getRows()[0]?.[0];
      return value === null || value === undefined ? 0 : Number(value);
    },
    close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
  try {
    await session.run(...SESSION_SETUP);
  } catch (err) {
    session.close();
    throw err;
  }
  return session;
}
