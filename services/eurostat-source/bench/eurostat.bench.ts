/**
 * Benchmark on one generated 10-million-cell Eurostat-shaped answer (gzip, as bronze keeps it):
 * - the load end to end (`loadVersion`: raw file → quality gate → silver Parquet and PostgreSQL,
 *   committed), cells per second and peak RSS, with the load's phases;
 * - the original design's approach on the same file (Python ijson streaming the values, pandas →
 *   Parquet partitioned by time, psycopg's COPY into PostgreSQL with the key built after it and the
 *   table swapped in one transaction), cells per second to its table, to Parquet and to
 *   PostgreSQL, and its peak RSS;
 * - the streaming reader alone (raw file → columnar rows), and its peak on an answer a tenth the
 *   size: a bounded reader's peak does not grow with the cells.
 *
 *   pnpm --filter @lakestream/eurostat-source bench     (BENCH_CELLS=… to change the count)
 *
 * PostgreSQL is the local stack's (started if it is not running): the load gets a database of its
 * own, made and dropped; the reference its own tables (`reference_observations*`), dropped after.
 * The machine may be shared: the load average is printed beside each figure.
 *
 * Answers are generated once per (cells, seed) under $LAKESTREAM_HOME/bench/eurostat; the
 * reference's venv is devstack's `eurostat-reference` Python tool (pinned there), made on first use
 * (BENCH_SKIP_REFERENCE=1 skips it; BENCH_SKIP_LOAD=1 skips the load). Each reader runs in a
 * process of its own; wall and CPU time are printed (on a shared machine CPU time is the steadier
 * comparison). Asserts nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensurePythonTool, ensureStack, lakestreamHome } from '@lakestream/devstack';
import { generateAnswer } from '../src/jsonstat/generate.js';

const run = promisify(execFile);
const here = import.meta.dirname;
const CELLS = Number(process.env.BENCH_CELLS ?? 10_000_000);
const SEED = 13;
const dir = join(lakestreamHome(), 'bench', 'eurostat');

async function answer(cells: number): Promise<string> {
  const file = join(dir, `answer-${cells}-seed${SEED}.json.gz`);
  if (existsSync(file)) return file;
  const started = performance.now();
  const partial = `${file}.partial`;
  const made = await generateAnswer(partial, { cells, seed: SEED, gzip: true });
  await rename(partial, file);
  const { size } = await stat(file);
  console.log(
    `generated ${file}: ${made.cells} cells (${made.statusOnly} status-only, ${made.flagged} flagged) over ${made.positions} positions, ${(made.bytes / 2 ** 20).toFixed(0)} MiB of JSON, ${(size / 2 ** 20).toFixed(0)} MiB gzip, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return file;
}

interface ReaderFigures {
  rows: number;
  seconds: number;
  cpuSeconds: number;
  pass1Seconds: number;
  pass2Seconds: number;
  maxRssMB: number;
}

async function readWithReader(file: string): Promise<ReaderFigures> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=lakestream-source', '--import', 'tsx', join(here, 'jsonstat-read.ts'), file],
    { cwd: join(here, '..'), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ReaderFigures;
}

interface LoadFigures {
  status: string;
  cells: number;
  seconds: number;
  cellsPerSecond: number;
  cpuSeconds: number;
  maxRssMB: number;
  phases: Record<string, number>;
}

/** `loadVersion` on `file` in a process of its own (bench/load-version.ts), with its phases. */
async function loadWithLoadVersion(
  file: string,
  env: Record<string, string>,
): Promise<LoadFigures> {
  const { stdout, stderr } = await run(
    process.execPath,
    ['--conditions=lakestream-source', '--import', 'tsx', join(here, 'load-version.ts'), file],
    { cwd: join(here, '..'), maxBuffer: 64 << 20, env: { ...process.env, ...env } },
  );
  const phases: Record<string, number> = {};
  for (const line of stderr.split('\n')) {
    if (!line.includes('"version loaded"')) continue;
    for (const [k, v] of Object.entries(JSON.parse(line) as Record<string, unknown>)) {
      if (k.endsWith('Seconds') && typeof v === 'number') phases[k.replace('Seconds', '')] = v;
    }
  }
  const figures = JSON.parse(stdout.trim().split('\n').pop() as string) as LoadFigures;
  return { ...figures, phases };
}

interface ReferenceFigures {
  rows: number;
  tableSeconds: number;
  tableCpuSeconds: number;
  parquetSeconds: number;
  /** Null when no PostgreSQL was given. */
  postgresSeconds: number | null;
  cpuSeconds: number;
  maxRssMB: number;
  backend: string;
}

async function readWithReference(file: string, databaseUrl?: string): Promise<ReferenceFigures> {
  const python = await ensurePythonTool('eurostat-reference', (m) => console.log(m));
  const out = join(dir, 'reference-parquet');
  await rm(out, { recursive: true, force: true });
  // The URL goes through the environment: a failed run's message repeats its command line.
  const { stdout } = await run(python, [join(here, 'reference', 'ijson_pandas.py'), file, out], {
    maxBuffer: 1 << 20,
    env: { ...process.env, REFERENCE_DATABASE_URL: databaseUrl ?? '' },
  });
  await rm(out, { recursive: true, force: true });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ReferenceFigures;
}

const rate = (rows: number, seconds: number) =>
  `${Math.round(rows / seconds).toLocaleString('en')} cells/s`;
const load = () => `load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`;

await mkdir(dir, { recursive: true });
const small = await answer(Math.round(CELLS / 10));
const large = await answer(CELLS);

let loaded: LoadFigures | undefined;
const stack =
  process.env.BENCH_SKIP_LOAD === '1' && process.env.BENCH_SKIP_REFERENCE === '1'
    ? undefined
    : await ensureStack({
        services: ['postgres'],
        progress: (m) => process.stderr.write(`[devstack] ${m}\n`),
      });
try {
  if (process.env.BENCH_SKIP_LOAD !== '1' && stack !== undefined) {
    const before = load();
    loaded = await loadWithLoadVersion(large, stack.env);
    const phases = Object.entries(loaded.phases)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ');
    console.log(
      `load (loadVersion: raw file → gate → Parquet + PostgreSQL, committed), ${loaded.cells.toLocaleString('en')} cells, ${loaded.status}: ${loaded.seconds.toFixed(2)} s, ${rate(loaded.cells, loaded.seconds)} (${phases}; CPU of the loading process ${loaded.cpuSeconds.toFixed(1)} s, PostgreSQL's apart), peak RSS ${loaded.maxRssMB.toFixed(0)} MB [${before} → ${load()}]`,
    );
  }

  let before = load();
  const smallRead = await readWithReader(small);
  console.log(
    `reader, ${smallRead.rows.toLocaleString('en')} cells: ${smallRead.seconds.toFixed(2)} s, ${rate(smallRead.rows, smallRead.seconds)}, peak RSS ${smallRead.maxRssMB.toFixed(0)} MB [${before}]`,
  );
  before = load();
  const largeRead = await readWithReader(large);
  console.log(
    `reader, ${largeRead.rows.toLocaleString('en')} cells: ${largeRead.seconds.toFixed(2)} s (pass 1 ${largeRead.pass1Seconds.toFixed(2)} s, pass 2 ${largeRead.pass2Seconds.toFixed(2)} s; CPU ${largeRead.cpuSeconds.toFixed(2)} s), ${rate(largeRead.rows, largeRead.seconds)}, peak RSS ${largeRead.maxRssMB.toFixed(0)} MB [${before} → ${load()}]`,
  );
  if (process.env.BENCH_SKIP_REFERENCE !== '1') {
    before = load();
    const reference = await readWithReference(large, stack?.env.DATABASE_URL);
    if (reference.rows !== largeRead.rows) {
      console.log(`the reference read ${reference.rows} rows, the reader ${largeRead.rows}`);
    }
    const toPostgres =
      reference.postgresSeconds === null
        ? ''
        : `; through PostgreSQL (COPY, key, swap) ${reference.postgresSeconds.toFixed(2)} s, ${rate(reference.rows, reference.postgresSeconds)}`;
    console.log(
      `reference (ijson ${reference.backend} + pandas + psycopg), ${reference.rows.toLocaleString('en')} cells: to the table ${reference.tableSeconds.toFixed(2)} s (CPU ${reference.tableCpuSeconds.toFixed(2)} s), ${rate(reference.rows, reference.tableSeconds)}; to partitioned Parquet ${reference.parquetSeconds.toFixed(2)} s, ${rate(reference.rows, reference.parquetSeconds)}${toPostgres} (CPU of the Python process ${reference.cpuSeconds.toFixed(1)} s); peak RSS ${reference.maxRssMB.toFixed(0)} MB [${before} → ${load()}]`,
    );
    console.log(
      `reader vs reference (file → rows): ${(reference.tableSeconds / largeRead.seconds).toFixed(1)}× the speed (${(reference.tableCpuSeconds / largeRead.cpuSeconds).toFixed(1)}× in CPU time), ${(largeRead.maxRssMB / reference.maxRssMB).toFixed(2)}× the peak memory`,
    );
    if (loaded !== undefined) {
      const memory = `${(loaded.maxRssMB / reference.maxRssMB).toFixed(2)}× the peak memory`;
      if (reference.postgresSeconds !== null) {
        console.log(
          `load vs reference (file → Parquet + PostgreSQL, the same work): ${(reference.postgresSeconds / loaded.seconds).toFixed(1)}× the speed, ${memory}`,
        );
      }
      console.log(
        `load vs reference's Parquet alone (the load writing PostgreSQL too): ${(reference.parquetSeconds / loaded.seconds).toFixed(1)}× the speed`,
      );
    }
  }
} finally {
  await stack?.stop();
}
