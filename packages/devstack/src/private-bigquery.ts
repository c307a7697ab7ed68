import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { isAlive, stopDaemon } from './process-control.js';
import { startBigQueryEmulator } from './services/bigquery.js';
import { ensureGoTool, type Progress } from './tools.js';

/** Where a private emulator keeps its state and what it reads gs:// from. */
export interface PrivateBigQueryOptions {
  /** fake-gcs-server the emulator's load jobs read `gs://` URIs from (STORAGE_EMULATOR_HOST). */
  storageEmulatorHost?: string;
  /** Folder for emulator.db and its log; a new temporary folder (removed by close) when absent. */
  dir?: string;
  /** How long the emulator may take to answer its first request. */
  readyTimeoutMs?: number;
  progress?: Progress;
}

/** A goccy/bigquery-emulator of one's own, for one loader + dbt run. */
export interface PrivateBigQueryEmulator {
  /** The variables a client needs: BIGQUERY_EMULATOR_HOST, BIGQUERY_PROJECT, METADATA_SERVER_DETECTION. */
  readonly env: Readonly<Record<string, string>>;
  /** Its REST address, `http://127.0.0.1:<port>`. */
  readonly host: string;
  readonly pid: number;
  /** Its log file (panics of the embedded SQL engine land here). */
  readonly logFile: string;
  /** True while the process runs. */
  alive(): boolean;
  /** Stops it and, when its folder was temporary, removes the folder. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a fresh BigQuery emulator on free ports with an empty database. The emulator keeps every
 * query's result (dbt's shim puts them in one dataset) and answers one request at a time, so a run
 * and its dbt build want one of their own instead of the shared stack's, which other work keeps
 * busy and fills.
 */
export async function startPrivateBigQueryEmulator(
  options: PrivateBigQueryOptions = {},
): Promise<PrivateBigQueryEmulator> {
  const binary = await ensureGoTool('bigquery-emulator', options.progress);
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'lakestream-bigquery-'));
  const port = await freePort();
  let grpcPort = await freePort();
  while (grpcPort === port) grpcPort = await freePort();
  const logFile = join(dir, 'bigquery.log');
  let started: { pid: number; env: Record<string, string> };
  try {
    started = await startBigQueryEmulator({
      binary,
      port,
      grpcPort,
      dir,
      logFile,
      ...(options.storageEmulatorHost ? { storageEmulatorHost: options.storageEmulatorHost } : {}),
      ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    });
  } catch (err) {
    if (temporary) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { pid, env } = started;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await stopDaemon(pid, { signal: 'SIGTERM', graceMs: 10_000 });
    if (temporary) rmSync(dir, { recursive: true, force: true });
  };
  return {
    env,
    host: env.BIGQUERY_EMULATOR_HOST!,
    pid,
    logFile,
    alive: () => isAlive(pid),
    close,
  };
}
