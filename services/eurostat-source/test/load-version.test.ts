/**
 * Loading dataset versions against the real PostgreSQL of the local stack and a lake folder:
 * each fixture's rows equal jsonstat-toolkit's reading in PostgreSQL and in the silver Parquet;
 * a new version replaces the old one atomically under a reader; a version loads once; a refused
 * or unreadable version leaves the previous one as it was.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { eurostatBronzeKey, eurostatUpdateTime } from '@lakestream/lake';
import { createLocalStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadDeps, loadVersion, type VersionToLoad } from '../src/load/load-version.js';
import { ensureSchema } from '../src/pg/schema.js';
import { type LongRow, toolkitRows, writeAnswer } from './support/jsonstat-samples.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js';

const logger = createLogger({
  service: 'eurostat-test',
  level: 'error',
  destination: process.stderr,
});
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'data');
let database: ScratchDatabase;
const lake = mkdtempSync(join(tmpdir(), 'eurostat-lake-'));
let pool: pg.Pool;
let deps: LoadDeps;

beforeAll(async () => {
  database = await createScratchDatabase('eurostat_load');
  // Its pool ignores connections the server ends (the killed COPY, the forced drop).
  pool = database.pool(4);
  await ensureSchema(pool);
  deps = { pool, store: createLocalStore(lake), logger, maxRowChangeRatio: 0.5 };
});

afterAll(async () => {
  await database?.drop();
});

const sortRows = (rows: LongRow[]) =>
  [...rows].sort((a, b) => a.codes.join('\u0000').localeCompare(b.codes.join('\u0000')));

function version(
  code: string,
  text: string,
  options: { gzip?: boolean; force?: boolean; updateTime?: string } = {},
): VersionToLoad {
  const updateTime = options.updateTime ?? eurostatUpdateTime(JSON.parse(text).updated);
  return {
    code,
    updateTime,
    file: writeAnswer(text, options.gzip),
    bronzeKey: eurostatBronzeKey(code, updateTime),
    ...(options.force === undefined ? {} : { force: options.force }),
  };
}

/** The observations table's rows as long rows (codes in the dataset's dimension order). */
async function pgRows(code: string, ids: string[]): Promise<LongRow[]> {
  const { rows } = await pool.query(
    `SELECT ${ids.map((id) => `"${id}"`).join(', ')}, value, status FROM eurostat.observations_${code}`,
  );
  return sortRows(
    rows.map((r) => ({
      codes: ids.map((id) => r[id] as string),
      value: r.value,
      status: r.status,
    })),
  );
}

/** The silver Parquet's rows, with the version named in each file, read by DuckDB. */
async function parquetRows(
  code: string,
  ids: string[],
): Promise<{ rows: LongRow[]; files: string[]; datasets: string[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const glob = join(lake, 'silver', 'eurostat', code, '**', '*.parquet');
    const reader = await connection.runAndReadAll(
      `SELECT *, filename FROM read_parquet('${glob}', filename = true, hive_partitioning = false)`,
    );
    const objects = reader.getRowObjectsJson() as Record<string, string | number | null>[];
    return {
      rows: sortRows(
        objects.map((r) => ({
          codes: ids.map((id) => String(r[id])),
          value: r.value === null ? null : Number(r.value),
          status: r.status === null ? null : String(r.status),
        })),
      ),
      files: [...new Set(objects.map((r) => String(r.filename).slice(lake.length + 1)))].sort(),
      datasets: [...new Set(objects.map((r) => String(r.dataset)))],
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The fixture with another `updated` and every value moved by `shift` (the same cells). */
function nextVersion(text: string, updated: string, shift: number): string {
  const answer = JSON.parse(text);
  answer.updated = updated;
  for (const key of Object.keys(answer.value)) answer.value[key] += shift;
  return JSON.stringify(answer);
}

const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));

describe('loadVersion: each fixture', () => {
  it.each(files)(
    '%s: PostgreSQL and Parquet rows equal jsonstat-toolkit, labels and loads recorded',
    async (name) => {
      const text = readFileSync(join(fixtures, name), 'utf8');
      const code = name.replace(/\.json$/, '');
      const answer = JSON.parse(text) as { id: string[]; size: number[] };
      const expected = sortRows(toolkitRows(text));
      const outcome = await loadVersion(
        deps,
        version(code, text, { gzip: code === 'hlth_rs_bds' }),
      );
      expect(outcome.status).toBe('loaded');
      expect(outcome.rows).toBe(expected.length);
      expect(outcome.checks.every((c) => c.passed)).toBe(true);

      expect(await pgRows(code, answer.id)).toEqual(expected);
      const parquet = await parquetRows(code, answer.id);
      expect(parquet.rows).toEqual(expected);
      expect(parquet.datasets).toEqual([code]);
      for (const file of parquet.files)
        expect(file).toMatch(
          new RegExp(`^silver/eurostat/${code}/time=[^/]+/v\\d{8}T\\d{6}Z_\\d+\\.parquet$`),
        );

      const { rows: datasetColumn } = await pool.query(
        `SELECT DISTINCT dataset FROM eurostat.observations_${code}`,
      );
      expect(datasetColumn).toEqual([{ dataset: code }]);
      const labels = await pool.query(
        'SELECT count(*)::int AS n FROM eurostat.dimension_labels WHERE code = $1',
        [code],
      );
      expect(labels.rows[0].n).toBe(answer.size.reduce((a, b) => a + b, 0));
      const loads = await pool.query(
        'SELECT rows::int, checks FROM eurostat.loads WHERE code = $1',
        [code],
      );
      expect(loads.rows).toHaveLength(1);
      expect(loads.rows[0].rows).toBe(expected.length);
      expect(loads.rows[0].checks).toEqual(outcome.checks);
    },
  );

  it('loads two datasets at once (each its own staging table and lock)', async () => {
    const text = readFileSync(join(fixtures, 'nama_10_gdp.json'), 'utf8');
    const ids = (JSON.parse(text) as { id: string[] }).id;
    const outcomes = await Promise.all(
      ['par_a', 'par_b', 'par_c'].map((code) => loadVersion(deps, version(code, text))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['loaded', 'loaded', 'loaded']);
    for (const code of ['par_a', 'par_b', 'par_c']) {
      expect(await pgRows(code, ids)).toEqual(sortRows(toolkitRows(text)));
    }
  });

  it('keeps accented labels and positions in eurostat.dimension_labels', async () => {
    const { rows } = await pool.query(
      `SELECT label, position FROM eurostat.dimension_labels WHERE code = 'hlth_cd_aro' AND dimension = 'geo' AND label LIKE 'Střední%'`,
    );
    expect(rows).toEqual([{ label: 'Střední Čechy', position: expect.any(Number) }]);
  });
});

describe('loadVersion: versions', () => {
  const base = readFileSync(join(fixtures, 'hlth_cd_asdr2.json'), 'utf8');
  const ids = (JSON.parse(base) as { id: string[] }).id;
  const code = 'hlth_versions';

  it('loads a version once: a second run, or two at once, change nothing; --force reloads it', async () => {
    const v1 = version(code, base);
    const [a, b] = await Promise.all([loadVersion(deps, v1), loadVersion(deps, v1)]);
    expect([a.status, b.status].sort()).toEqual(['loaded', 'unchanged']);
    const again = await loadVersion(deps, v1);
    expect(again).toMatchObject({ status: 'unchanged', rows: 0, checks: [] });
    const forced = await loadVersion(deps, { ...v1, force: true });
    expect(forced.status).toBe('loaded');
    const loads = await pool.query(
      'SELECT count(*)::int AS n FROM eurostat.loads WHERE code = $1',
      [code],
    );
    expect(loads.rows[0].n).toBe(1);
    expect(await pgRows(code, ids)).toEqual(sortRows(toolkitRows(base)));
  });

  it('replaces the old version atomically: a reader during the load sees the old rows or the new, never a mix or none', async () => {
    const expectedOld = sortRows(toolkitRows(base));
    const next = nextVersion(base, '2026-05-20T23:00:00+0200', 1e9);
    const observed = new Set<string>();
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      const client = await pool.connect();
      try {
        while (reading) {
          const { rows } = await client.query(
            `SELECT count(*)::int AS n, count(*) FILTER (WHERE value >= 1e9)::int AS shifted
               FROM eurostat.observations_${code}`,
          );
          observed.add(`${rows[0].n}/${rows[0].shifted}`);
          reads++;
        }
      } finally {
        client.release();
      }
    })();
    const outcome = await loadVersion(deps, version(code, next));
    reading = false;
    await reader;
    expect(outcome.status).toBe('loaded');
    const values = expectedOld.filter((r) => r.value !== null).length;
    // Every read: all old (no shifted value) or all new (every value shifted), never empty.
    expect(reads).toBeGreaterThan(0);
    for (const seen of observed)
      expect([`${expectedOld.length}/0`, `${expectedOld.length}/${values}`]).toContain(seen);
    expect(observed).toContain(`${expectedOld.length}/${values}`);

    expect(await pgRows(code, ids)).toEqual(sortRows(toolkitRows(next)));
    const parquet = await parquetRows(code, ids);
    expect(parquet.rows).toEqual(sortRows(toolkitRows(next)));
    expect(parquet.files.every((f) => f.includes('/v20260520T210000Z_'))).toBe(true);
    const loads = await pool.query(
      'SELECT update_time FROM eurostat.loads WHERE code = $1 ORDER BY loaded_at',
      [code],
    );
    expect(loads.rows.map((r) => (r.update_time as Date).toISOString())).toEqual([
      '2026-04-22T21:00:00.000Z',
      '2026-05-20T21:00:00.000Z',
    ]);
  });

  it('refuses a version that fails a check, with its numbers, and keeps the previous one', async () => {
    const before = await pgRows(code, ids);
    const answer = JSON.parse(base);
    answer.updated = '2026-06-01T23:00:00+0200';
    // Two thirds of the cells gone: the row count falls past the allowed 50 %.
    answer.value = Object.fromEntries(
      Object.entries(answer.value).filter(([k]) => Number(k) % 3 === 0),
    );
    answer.status = Object.fromEntries(
      Object.entries(answer.status).filter(([k]) => Number(k) % 3 === 0),
    );
    const shrunk = JSON.stringify(answer);
    const rows = toolkitRows(shrunk).length;
    const outcome = await loadVersion(deps, version(code, shrunk));
    expect(outcome.status).toBe('rejected');
    expect(outcome.rows).toBe(rows);
    const failed = outcome.checks.filter((c) => !c.passed);
    expect(failed).toEqual([
      expect.objectContaining({
        check: 'row_change',
        expected: `${Math.ceil(before.length / 2)}…${Math.floor(before.length * 1.5)}`,
        found: rows,
      }),
    ]);
    expect(await pgRows(code, ids)).toEqual(before);
    expect(
      (await parquetRows(code, ids)).files.every((f) => f.includes('/v20260520T210000Z_')),
    ).toBe(true);
    const rejection = await pool.query(
      'SELECT rows::int, checks, bronze_key FROM eurostat.rejections WHERE code = $1',
      [code],
    );
    expect(rejection.rows).toEqual([
      {
        rows,
        checks: outcome.checks,
        bronze_key: 'bronze/eurostat/hlth_versions/20260601T210000Z.json.gz',
      },
    ]);
    const loads = await pool.query(
      'SELECT count(*)::int AS n FROM eurostat.loads WHERE code = $1',
      [code],
    );
    expect(loads.rows[0].n).toBe(2);
  });

  it('refuses an unknown status flag and a cell on a category reported with no data', async () => {
    const before = await pgRows(code, ids);
    const answer = JSON.parse(base);
    answer.updated = '2026-06-02T23:00:00+0200';
    answer.status[Object.keys(answer.status)[0] as string] = 'q';
    answer.extension['positions-with-no-data'].geo = [0];
    const outcome = await loadVersion(deps, version(code, JSON.stringify(answer)));
    expect(outcome.status).toBe('rejected');
    const failed = Object.fromEntries(
      outcome.checks.filter((c) => !c.passed).map((c) => [c.check, c]),
    );
    expect(Object.keys(failed).sort()).toEqual(['cells', 'status_flags']);
    expect(failed.status_flags).toMatchObject({ found: 'q' });
    expect(failed.cells?.detail).toMatch(/[1-9]\d* observed on a category reported with no data/);
    expect(await pgRows(code, ids)).toEqual(before);
  });

  it('refuses a version with a category code twice in a dimension (two cells on one key)', async () => {
    const before = await pgRows(code, ids);
    const answer = JSON.parse(base);
    answer.updated = '2026-06-02T23:30:00+0200';
    const geo = answer.dimension.geo.category;
    const codes = Object.keys(geo.index);
    // The second geo takes the first one's code: its cells land on the first one's keys.
    geo.index = codes.map((c, i) => (i === 1 ? codes[0] : c));
    const outcome = await loadVersion(deps, version(code, JSON.stringify(answer)));
    expect(outcome.status).toBe('rejected');
    const failed = outcome.checks.filter((c) => !c.passed);
    expect(failed.map((c) => c.check)).toEqual(['unique_keys']);
    expect(failed[0]?.detail).toContain(`geo:${codes[0]}`);
    expect(failed[0]?.detail).toMatch(/the primary key refused Key \(.*\) is duplicated/);
    expect(await pgRows(code, ids)).toEqual(before);
  });

  it("fails a truncated or malformed answer with the reader's error, naming the file; the previous version stays", async () => {
    const before = await pgRows(code, ids);
    const next = nextVersion(base, '2026-06-03T23:00:00+0200', 1);
    const truncated = version(code, next.slice(0, Math.floor(next.length * 0.6)), {
      updateTime: '2026-06-03T21:00:00Z',
    });
    await expect(loadVersion(deps, truncated)).rejects.toMatchObject({
      code: 'LS_JSONSTAT_TRUNCATED',
      message: expect.stringContaining(truncated.file),
    });
    const malformed = version(code, next.replace('"value":{"0":', '"value":{"0":x'), {
      updateTime: '2026-06-03T21:00:00Z',
    });
    await expect(loadVersion(deps, malformed)).rejects.toMatchObject({
      code: 'LS_JSONSTAT_MALFORMED',
    });
    expect(await pgRows(code, ids)).toEqual(before);
    const tables = await pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'eurostat' AND table_name LIKE 'observations_load_%'`,
    );
    expect(tables.rows).toEqual([]);
  });

  it('refuses an answer whose updated is not the version asked for', async () => {
    const v = version(code, nextVersion(base, '2026-06-04T23:00:00+0200', 1));
    await expect(
      loadVersion(deps, { ...v, updateTime: '2026-06-05T00:00:00Z' }),
    ).rejects.toMatchObject({
      code: 'LS_EUROSTAT_DATASET_UNLOADABLE',
    });
  });

  it("replaces the table's columns when the structure changes (a new dimension)", async () => {
    const answer = JSON.parse(readFileSync(join(fixtures, 'nama_10_gdp.json'), 'utf8'));
    const code2 = 'nama_structure';
    await loadVersion(deps, version(code2, JSON.stringify(answer)));
    // A new size-1 dimension `s_adj` before geo: the same cells, one more key column.
    answer.updated = '2026-07-01T23:00:00+0200';
    answer.id.splice(3, 0, 's_adj');
    answer.size.splice(3, 0, 1);
    answer.dimension.s_adj = {
      label: 'Seasonal adjustment',
      category: { index: { NSA: 0 }, label: { NSA: 'Unadjusted data' } },
    };
    const text = JSON.stringify(answer);
    expect((await loadVersion(deps, version(code2, text))).status).toBe('loaded');
    const columns = await pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'eurostat' AND table_name = $1 ORDER BY ordinal_position`,
      [`observations_${code2}`],
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual([
      'dataset',
      'freq',
      'unit',
      'na_item',
      's_adj',
      'geo',
      'time',
      'value',
      'status',
    ]);
    expect(await pgRows(code2, answer.id)).toEqual(sortRows(toolkitRows(text)));
    const key = await pool.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
      [`eurostat.observations_${code2}`],
    );
    // The key leads with the dimensions of most categories (a cheaper sort, a useful prefix).
    expect(key.rows).toEqual([{ def: 'PRIMARY KEY ("time", geo, na_item, freq, unit, s_adj)' }]);
  });
});
