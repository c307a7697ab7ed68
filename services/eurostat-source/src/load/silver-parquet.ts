/**
 * A version's silver Parquet: `silver/eurostat/<code>/time=<period>/v<update time>_<n>.parquet`,
 * written by DuckDB from the tab-separated cells the load saved while it copied them to
 * PostgreSQL, split by slices of time periods (DuckDB streams each file once: memory stays
 * bounded whatever the version's size).
 *
 * The file names carry the version, so the new version's files are written beside the old ones
 * before PostgreSQL publishes it, and the old ones are removed after. A reader takes the
 * published version from `eurostat.loads` (the row with the latest `loaded_at`) and reads the
 * files whose name starts with `v<that update time, YYYYMMDDTHHMMSSZ>_`: between the two steps a
 * reader that globs the whole folder sees two versions; one that follows `loads` sees exactly one.
 * Files of a load that failed or was killed before its commit are not published versions and go
 * with the next successful load's clean-up.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { eurostatKeyTime, eurostatSilverPrefix } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { DATASET_COLUMN } from '../pg/observations.js';
import type { CellSlicing } from './cell-text.js';

/** The Parquet file name prefix of a version: `v20240501T090000Z_`. */
export function versionFilePrefix(updateTime: string): string {
  return `v${eurostatKeyTime(updateTime)}_`;
}

/**
 * Periods written by one partitioned pass (an open writer each). A partitioned write keeps one
 * open Parquet writer per period, about a megabyte each: the 500 periods of a 10-million-cell
 * answer in one pass ran DuckDB out of its memory. Each pass reads its own file, so more passes
 * cost no extra reading: at 10 million cells, 16 periods a pass wrote the Parquet in about half
 * the time 64 did, with the same peak.
 */
export const PERIODS_PER_PASS = 16;

/** Most cells files one load writes: a long daily series gets more periods a pass instead. */
export const MAX_SLICE_FILES = 64;

/**
 * How the load splits the cells it saves for DuckDB: by slices of `PERIODS_PER_PASS` time periods
 * (more when the series has over `MAX_SLICE_FILES` slices of them), one file each, so that each
 * pass reads one file once and opens a bounded number of writers (instead of storing the cells in
 * a table and scanning it once per slice). Undefined without a time dimension: one file, one
 * unpartitioned Parquet file.
 */
export function parquetSlicing(
  columns: readonly string[],
  dimensions: readonly { categories: readonly unknown[] }[],
): CellSlicing | undefined {
  const dimension = columns.indexOf('time');
  if (dimension < 0) return undefined;
  const periods = dimensions[dimension]?.categories.length ?? 0;
  return {
    dimension,
    perSlice: Math.max(PERIODS_PER_PASS, Math.ceil(periods / MAX_SLICE_FILES)),
  };
}

const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Writes the version's Parquet files into `outDir` (partition folders below it, by time, when
 * the dataset has a time dimension) from the cells files the load saved by `parquetSlicing`;
 * their paths.
 */
export async function writeParquet(input: {
  cellsFiles: readonly string[];
  outDir: string;
  tempDir: string;
  code: string;
  updateTime: string;
  columns: readonly string[];
}): Promise<string[]> {
  const { outDir, code, columns } = input;
  await mkdir(outDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    threads: '2',
    memory_limit: '256MB',
    temp_directory: input.tempDir,
    preserve_insertion_order: 'false',
  });
  const connection = await instance.connect();
  try {
    const csvColumns = [
      ...columns.map((c) => `${sqlText(c)}: 'VARCHAR'`),
      `'value': 'DOUBLE'`,
      `'status': 'VARCHAR'`,
    ];
    const select = `SELECT ${sqlText(code)} AS ${DATASET_COLUMN}, ${columns.map(ident).join(', ')}, value, status`;
    const csv = (file: string) =>
      `read_csv(${sqlText(file)}, delim = '\t', header = false, quote = '', escape = '',
        nullstr = '\\N', auto_detect = false, columns = {${csvColumns.join(', ')}})`;
    const prefix = versionFilePrefix(input.updateTime);
    if (!columns.includes('time')) {
      const file = join(outDir, `${prefix}0.parquet`);
      const [cells] = input.cellsFiles;
      if (cells === undefined || input.cellsFiles.length !== 1) {
        throw new RangeError(
          `one cells file expected without a time dimension, not ${input.cellsFiles.length}`,
        );
      }
      await connection.run(
        `COPY (${select} FROM ${csv(cells)}) TO ${sqlText(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      return listFiles(outDir);
    }
    // Rows per partition are held until this many are buffered in all (the default, 512Ki rows,
    // is a few hundred MB of strings): a lower mark keeps memory flat.
    await connection.run('SET partitioned_write_flush_threshold = 65536');
    for (const cells of input.cellsFiles) {
      // A period is in one slice only, so the passes never write the same file name.
      await connection.run(
        `COPY (${select} FROM ${csv(cells)})
          TO ${sqlText(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${ident('time')}),
            WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN ${sqlText(`${prefix}{i}`)}, OVERWRITE_OR_IGNORE true)`,
      );
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return listFiles(outDir);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Uploads the written files under the dataset's silver prefix; their keys. */
export async function uploadParquet(
  store: ObjectStore,
  code: string,
  outDir: string,
  files: readonly string[],
): Promise<string[]> {
  const prefix = eurostatSilverPrefix(code);
  const keys: string[] = [];
  for (const file of files) {
    const key = `${prefix}${relative(outDir, file).split(sep).join('/')}`;
    await store.put(key, await readFile(file), { contentType: 'application/vnd.apache.parquet' });
    keys.push(key);
  }
  return keys;
}

/** Removes every silver file of the dataset that is not of `updateTime`'s version; their count. */
export async function removeOtherVersions(
  store: ObjectStore,
  code: string,
  updateTime: string,
): Promise<number> {
  const keep = versionFilePrefix(updateTime);
  const stale: string[] = [];
  for await (const info of store.list(eurostatSilverPrefix(code))) {
    const name = info.key.slice(info.key.lastIndexOf('/') + 1);
    if (!name.startsWith(keep)) stale.push(info.key);
  }
  for (const key of stale) await store.delete(key);
  return stale.length;
}
