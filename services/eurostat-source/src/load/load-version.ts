/**
 * Loads one dataset version from its saved raw answer: reads it (the JSON-stat reader checks the
 * text and the structure), passes the quality gate, and publishes it to silver Parquet and to
 * PostgreSQL so that readers see the previous version or this one, never a mix or nothing.
 *
 * One pass over the cells feeds three things at once: the COPY into a staging table (inside the
 * transaction), temporary tab-separated files (one per slice of time periods) DuckDB turns into
 * Parquet, and the gate's tally.
 * Then, in order: the primary key is built (a repeated key fails the gate); the gate decides; a
 * refused version is rolled back and recorded in `eurostat.rejections`; a passed one has its
 * Parquet written to silver, then the staging table swapped in with its labels and `loads` row in
 * the same transaction, committed; then the older versions' Parquet is removed. A crash anywhere
 * before the commit leaves PostgreSQL as it was (the transaction dies with the connection).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { eurostatCode, eurostatUpdateTime } from '@lakestream/lake';
import { faultPoint } from '@lakestream/observability';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { databaseFailed, EurostatError } from '../errors.js';
import { openJsonStat } from '../jsonstat/reader.js';
import { dimensionColumns, observationsTableName } from '../pg/observations.js';
import { allPassed, type CheckResult, evaluateChecks } from '../quality/checks.js';
import { CellTally } from '../quality/tally.js';
import { CellText } from './cell-text.js';
import {
  addPrimaryKey,
  createStaging,
  keyColumns,
  loadedState,
  lockDataset,
  recordRejection,
  stagingTableName,
  swapIn,
  unlockDataset,
} from './load-store.js';
import {
  parquetSlicing,
  removeOtherVersions,
  uploadParquet,
  writeParquet,
} from './silver-parquet.js';
import { SliceFiles } from './slice-files.js';
import type { LoadDeps, LoadOutcome, VersionToLoad } from './types.js';

export type { CheckResult, LoadDeps, LoadOutcome, VersionToLoad } from './types.js';

/**
 * Loads `v`. Resolves with `loaded`, `unchanged` (loaded before and not forced: nothing written)
 * or `rejected` (a check failed: the previous version stays, the checks are recorded). Throws the
 * reader's `JsonStatError` for an answer that cannot be read, `LS_EUROSTAT_DATASET_UNLOADABLE`,
 * `LS_EUROSTAT_SILVER_FAILED` or `LS_EUROSTAT_DATABASE_FAILED`; in every case the published
 * version is untouched.
 */
export async function loadVersion(deps: LoadDeps, v: VersionToLoad): Promise<LoadOutcome> {
  const started = performance.now();
  const code = eurostatCode(v.code);
  const updateTime = eurostatUpdateTime(v.updateTime);
  const seconds = () => (performance.now() - started) / 1000;
  const log = deps.logger.child({ code, updateTime, file: v.file });

  let client: pg.PoolClient;
  try {
    client = await deps.pool.connect();
  } catch (err) {
    throw databaseFailed(err, `connecting to load ${code} ${updateTime}`);
  }
  let locked = false;
  let broken = false;
  try {
    try {
      await lockDataset(client, code);
      locked = true;
    } catch (err) {
      broken = true;
      throw databaseFailed(err, `locking the loads of ${code}`);
    }
    const state = await loadedState(client, code, updateTime).catch((err: unknown) => {
      throw databaseFailed(err, `reading the loads of ${code}`);
    });
    if (state.loaded && v.force !== true) {
      log.info('version loaded already: nothing to do');
      deps.metrics?.loadSeconds.observe({ outcome: 'unchanged' }, seconds());
      return { status: 'unchanged', rows: 0, checks: [], seconds: seconds() };
    }

    const reader = await openJsonStat(v.file);
    const { dataset } = reader;
    if (dataset.updateTime !== null && dataset.updateTime !== updateTime) {
      throw unloadable(
        `${v.file} is the version of ${dataset.updateTime} (its 'updated'), not ${updateTime}`,
      );
    }
    let columns: string[];
    let text: CellText;
    try {
      columns = dimensionColumns(observationsTableName(code), dataset.ids);
      text = new CellText(dataset, parquetSlicing(columns, dataset.dimensions));
    } catch (err) {
      throw unloadable(`${v.file}: ${(err as Error).message}`, err);
    }

    const work = await mkdtemp(join(deps.tempDir ?? tmpdir(), `eurostat-load-${code}-`));
    try {
      const files = new SliceFiles(
        Array.from({ length: text.slices }, (_, i) => join(work, `cells-${i}.tsv`)),
      );
      // Without a time dimension the one file is the Parquet's input, cells or none.
      if (text.slices === 1) files.open(0);
      const tally = new CellTally(dataset);
      const staging = stagingTableName();
      const outDir = join(work, 'parquet');
      let parquet: Promise<{ files?: string[]; err?: unknown }> | undefined;
      let duplicateKey: string | undefined;
      const phases: Record<string, number> = {};
      let mark = performance.now();
      const phase = (name: string) => {
        const now = performance.now();
        phases[name] = Math.round(now - mark) / 1000;
        mark = now;
      };
      try {
        await client.query('BEGIN');
        const copySql = await createStaging(client, staging, code, columns);
        try {
          await pipeline(
            Readable.from(encodedBatches(reader.batches(), text, tally, files)),
            client.query(copyFrom(copySql)),
          );
        } finally {
          await files.close();
        }
        phase('copySeconds');
        const copySeconds = phases.copySeconds ?? 0;
        if (copySeconds > 0) deps.metrics?.parsedCellsPerSecond.set(tally.rows / copySeconds);
        // DuckDB writes the Parquet from the saved cells while PostgreSQL builds the key: the
        // two are independent, and a refused version only wastes local files.
        parquet = writeParquet({
          cellsFiles: files.opened(),
          outDir,
          tempDir: work,
          code,
          updateTime,
          columns,
        }).then(
          (files) => ({ files }),
          (err: unknown) => ({ err }),
        );
        duplicateKey = await addPrimaryKey(
          client,
          staging,
          keyColumns(
            columns,
            dataset.dimensions.map((d) => d.categories.length),
          ),
        );
        phase('keySeconds');
      } catch (err) {
        broken = true; // a COPY cut short can leave the session in an unknown state
        await client.query('ROLLBACK').catch(() => {});
        await parquet; // DuckDB is done with the work folder before it is removed
        if (err instanceof Error && 'code' in err && String(err.code).startsWith('LS_')) throw err;
        throw databaseFailed(err, `copying ${v.file} into ${observationsTableName(code)}`);
      }

      const checks = evaluateChecks({
        tally: tally.finish(),
        previousRows: state.previousRows,
        maxRowChangeRatio: deps.maxRowChangeRatio,
        duplicateKeysFromIndex: duplicateKey,
      });
      if (!allPassed(checks)) {
        await client.query('ROLLBACK').catch(() => {});
        await parquet;
        return await reject(deps, v, code, updateTime, tally.rows, checks, seconds);
      }

      try {
        const written = await (parquet as NonNullable<typeof parquet>);
        if (written.files === undefined) throw written.err;
        const files = written.files;
        phase('parquetWaitSeconds');
        await uploadParquet(deps.store, code, outDir, files);
        phase('uploadSeconds');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new EurostatError(
          'LS_EUROSTAT_SILVER_FAILED',
          `writing the Parquet of ${code} ${updateTime}: ${(err as Error).message}`,
          { cause: err, retryable: (err as { retryable?: boolean }).retryable === true },
        );
      }

      try {
        await swapIn(client, { staging, code, updateTime, rows: tally.rows, checks, dataset });
        // The riskiest moment: the new version's Parquet is in silver and its table swapped in,
        // uncommitted. A crash here must leave the previous version published everywhere.
        faultPoint('eurostat-source.load-before-commit');
        await client.query('COMMIT');
        phase('swapSeconds');
      } catch (err) {
        broken = true;
        await client.query('ROLLBACK').catch(() => {});
        throw databaseFailed(err, `publishing ${code} ${updateTime}`);
      }
      const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
      log.info({ rows: tally.rows, ...phases, maxRssMB }, 'version loaded');

      try {
        const removed = await removeOtherVersions(deps.store, code, updateTime);
        if (removed > 0) log.info({ removed }, 'older versions removed from silver');
      } catch (err) {
        // The version is published; the next load removes what is left.
        log.warn({ err }, 'could not remove the older versions from silver');
      }
      deps.metrics?.loadSeconds.observe({ outcome: 'loaded' }, seconds());
      deps.metrics?.loadedRows.inc(tally.rows);
      return { status: 'loaded', rows: tally.rows, checks, seconds: seconds() };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } finally {
    if (locked && !broken) {
      await unlockDataset(client, code).catch(() => {
        broken = true;
      });
    }
    // A connection in doubt is closed rather than reused: that also frees its lock.
    client.release(broken);
  }
}

/**
 * Encodes each batch once, counts it for the gate, saves each slice's lines in its file for
 * DuckDB and hands them all to COPY.
 */
async function* encodedBatches(
  batches: AsyncIterable<import('../jsonstat/cells.js').CellBatch>,
  text: CellText,
  tally: CellTally,
  files: SliceFiles,
): AsyncGenerator<Buffer> {
  for await (const batch of batches) {
    tally.add(batch);
    const slices = text.encode(batch);
    for (let i = 0; i < slices.length; i++) {
      const lines = slices[i] as string;
      if (lines === '') continue;
      const chunk = Buffer.from(lines, 'utf8');
      await files.write(i, chunk);
      yield chunk;
    }
  }
}

async function reject(
  deps: LoadDeps,
  v: VersionToLoad,
  code: string,
  updateTime: string,
  rows: number,
  checks: CheckResult[],
  seconds: () => number,
): Promise<LoadOutcome> {
  const failed = checks.filter((c) => !c.passed);
  deps.logger.warn(
    { code, updateTime, file: v.file, failed },
    `version refused by the quality gate (${failed.map((c) => `${c.check}: ${c.detail}`).join('; ')}); the previous version stays`,
  );
  for (const c of failed) deps.metrics?.checksFailed.inc({ check: c.check });
  try {
    await recordRejection(deps.pool, { code, updateTime, rows, checks, bronzeKey: v.bronzeKey });
  } catch (err) {
    throw databaseFailed(err, `recording the refusal of ${code} ${updateTime}`);
  }
  deps.metrics?.loadSeconds.observe({ outcome: 'rejected' }, seconds());
  return { status: 'rejected', rows, checks, seconds: seconds() };
}

function unloadable(message: string, cause?: unknown): EurostatError {
  return new EurostatError(
    'LS_EUROSTAT_DATASET_UNLOADABLE',
    message,
    cause === undefined ? {} : { cause },
  );
}
