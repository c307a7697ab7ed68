/**
 * Syncs one dataset: downloads its current answer whole (split and joined, or waited for, as
 * Eurostat requires), checks the saved text is a complete JSON-stat dataset, lands it in bronze at
 * the key of its own `updated` time, announces the object on the bronze manifest topic, and hands
 * it to the load step. A version named by an event
 * and already loaded (or rejected by the quality gate) is not downloaded again unless forced, so a redelivered event
 * costs one query.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eurostatCode, eurostatUpdateTime } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { faultPoint, type Logger } from '@lakestream/observability';
import type pg from 'pg';
import { databaseFailed, EurostatError } from '../errors.js';
import { type JsonStatReader, openJsonStat } from '../jsonstat/index.js';
import type { LoadDeps, LoadOutcome, VersionToLoad } from '../load/types.js';
import type { EurostatMetrics } from '../metrics.js';
import { SCHEMA } from '../pg/schema.js';
import { type Announcer, announceLanded, landInBronze } from './bronze.js';
import { dataUrl, downloadDataset } from './download-dataset.js';

/** The load step's entry point (src/load). */
export type LoadVersion = (deps: LoadDeps, version: VersionToLoad) => Promise<LoadOutcome>;

/** What a sync needs. */
export interface SyncDeps {
  config: {
    apiBase: string;
    httpTimeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    asyncTimeoutMs: number;
    asyncPollMs: number;
  };
  pool: pg.Pool;
  store: ObjectStore;
  logger: Logger;
  metrics?: EurostatMetrics;
  load: LoadVersion;
  /**
   * Where each landed answer is announced (`sync` and `worker` always give it; without it nothing
   * is announced – tests of the download and load alone).
   */
  announce?: Announcer;
  maxRowChangeRatio: number;
  signal?: AbortSignal;
  /** Folder for the downloads (default the OS temporary folder). */
  tempDir?: string;
}

/** One dataset to sync. */
export interface SyncRequest {
  code: string;
  /** The version an update event names (UTC ISO); none for a manual sync of the current one. */
  updateTime?: string;
  force: boolean;
}

/** How a sync ended. */
export interface SyncOutcome {
  code: string;
  /** `skipped`: the event's version is loaded already (nothing downloaded). */
  status: LoadOutcome['status'] | 'skipped';
  updateTime: string | undefined;
  bronzeKey?: string;
  rows: number;
  bytes: number;
  parts: number;
  downloadSeconds: number;
  loadSeconds: number;
}

/** Syncs `request.code`; throws an EurostatError (or the load's error), nothing published then. */
export async function syncDataset(deps: SyncDeps, request: SyncRequest): Promise<SyncOutcome> {
  const code = eurostatCode(request.code);
  const log = deps.logger.child({ code });
  const empty = { rows: 0, bytes: 0, parts: 0, downloadSeconds: 0, loadSeconds: 0 };
  if (request.updateTime !== undefined && !request.force) {
    if (await settledAlready(deps.pool, code, request.updateTime)) {
      log.info({ updateTime: request.updateTime }, 'version loaded already; not downloaded');
      return { code, status: 'skipped', updateTime: request.updateTime, ...empty };
    }
  }
  const dir = await mkdtemp(join(deps.tempDir ?? tmpdir(), `eurostat-${code}-`));
  try {
    const { config } = deps;
    const downloaded = await downloadDataset(code, {
      apiBase: config.apiBase,
      dir,
      timeoutMs: config.httpTimeoutMs,
      maxAttempts: config.maxAttempts,
      retryBaseMs: config.retryBaseMs,
      asyncTimeoutMs: config.asyncTimeoutMs,
      asyncPollMs: config.asyncPollMs,
      signal: deps.signal,
      onRetry: ({ err, attempt, delayMs }) =>
        log.warn({ err, attempt, delayMs }, 'dataset download failed; retrying'),
    });
    deps.metrics?.downloadSeconds.observe({ kind: 'data' }, downloaded.seconds);
    deps.metrics?.downloadBytes.inc({ kind: 'data' }, downloaded.bytes);
    log.info(
      { bytes: downloaded.bytes, parts: downloaded.parts, seconds: downloaded.seconds },
      'dataset downloaded',
    );
    const reader = await readAnswer(downloaded.file, code);
    const updateTime = answerUpdateTime(reader, code, request.updateTime);
    if (request.updateTime !== undefined && updateTime < eurostatUpdateTime(request.updateTime)) {
      log.warn(
        { announced: request.updateTime, served: updateTime },
        'Eurostat serves a version older than the one announced; loading what it serves',
      );
    }
    const landed = await landInBronze(deps.store, code, updateTime, downloaded.file);
    log.info({ key: landed.key, bytes: landed.bytes, updateTime }, 'raw answer landed in bronze');
    if (deps.announce) {
      // Announced before the load: a crash between the two leaves the event uncommitted, and the
      // re-run lands the same key and announces it again (a repeat of the same object, harmless).
      const url = dataUrl(config.apiBase, code, []);
      const cells = await observedCells(reader, code);
      const at = await announceLanded(deps.announce, { code, updateTime, url, cells, landed });
      log.info({ key: landed.key, cells, ...at }, 'raw answer announced');
    }
    // The fault suite's crash point: the raw answer is in bronze, nothing of it loaded.
    faultPoint('eurostat-source.sync-before-load');
    const outcome = await deps.load(
      {
        pool: deps.pool,
        store: deps.store,
        logger: log,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        maxRowChangeRatio: deps.maxRowChangeRatio,
        tempDir: dir,
      },
      { code, updateTime, file: downloaded.file, bronzeKey: landed.key, force: request.force },
    );
    return {
      code,
      status: outcome.status,
      updateTime,
      bronzeKey: landed.key,
      rows: outcome.rows,
      bytes: downloaded.bytes,
      parts: downloaded.parts,
      downloadSeconds: downloaded.seconds,
      loadSeconds: outcome.seconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the answer's first pass: it checks the whole text (a download cut short or malformed fails
 * here, naming the byte offset, before anything is landed or loaded).
 */
async function readAnswer(file: string, code: string): Promise<JsonStatReader> {
  try {
    return await openJsonStat(file);
  } catch (err) {
    throw new EurostatError(
      'LS_EUROSTAT_ANSWER_INVALID',
      `the answer for '${code}' is not a complete JSON-stat dataset: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The answer's own update time, else the announced one. */
function answerUpdateTime(
  reader: JsonStatReader,
  code: string,
  announced: string | undefined,
): string {
  const { updateTime, file } = reader.dataset;
  if (updateTime !== null) return updateTime;
  if (announced !== undefined) return eurostatUpdateTime(announced);
  throw new EurostatError(
    'LS_EUROSTAT_ANSWER_INVALID',
    `the answer for '${code}' (${file}) has no "updated" time to name its version by`,
  );
}

/**
 * The answer's observed cells (a value, or a status only): the rows the load will write, counted
 * before it so the announcement carries them. Without any status the first pass's counts are
 * exact (non-null values); with statuses, a flag on a position without a value is a cell too, and
 * only the cells pass tells which – so it runs once more over `value`.
 */
async function observedCells(reader: JsonStatReader, code: string): Promise<number> {
  const { dataset } = reader;
  if (dataset.statusFlags.length <= 1) return dataset.valueEntries - dataset.valueNulls;
  let cells = 0;
  try {
    for await (const batch of reader.batches()) cells += batch.length;
  } catch (err) {
    throw new EurostatError(
      'LS_EUROSTAT_ANSWER_INVALID',
      `counting the cells of '${code}' (${dataset.file}): ${(err as Error).message}`,
      { cause: err },
    );
  }
  return cells;
}

/** True when this version (or a later one) of `code` is loaded, or this version was rejected. */
async function settledAlready(pool: pg.Pool, code: string, updateTime: string): Promise<boolean> {
  try {
    const { rowCount } = await pool.query(
      `SELECT 1 FROM ${SCHEMA}.loads WHERE code = $1 AND update_time >= $2
       UNION ALL
       SELECT 1 FROM ${SCHEMA}.rejections WHERE code = $1 AND update_time = $2
       LIMIT 1`,
      [code, eurostatUpdateTime(updateTime)],
    );
    return (rowCount ?? 0) > 0;
  } catch (err) {
    throw databaseFailed(err, `reading the loads of ${code}`);
  }
}
