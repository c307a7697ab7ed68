/**
 * Loads one answer – raw file to PostgreSQL and silver Parquet, the quality gate included – into
 * a database of its own and a temporary lake folder, and prints one JSON line: cells, seconds,
 * cells per second, this process's CPU seconds (PostgreSQL's own work is not in them) and its peak
 * RSS (its own process, so nothing else counts in the peak). The load's phases are in its
 * `version loaded` log line on stderr. DATABASE_URL names the server (the local stack's env file
 * sets it). Given CELLS it generates the answer first; given a file it loads that one (an answer
 * of `generateAnswer`, whose version is 2024-05-01T09:00:00Z).
 *
 *   node --conditions=lakestream-source --import tsx bench/load-version.ts CELLS [--gzip]
 *   node --conditions=lakestream-source --import tsx bench/load-version.ts ANSWER.json[.gz]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eurostatBronzeKey } from '@lakestream/lake';
import { createLocalStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import pg from 'pg';
import { generateAnswer } from '../src/jsonstat/generate.js';
import { loadVersion } from '../src/load/load-version.js';
import { ensureSchema } from '../src/pg/schema.js';

const arg = process.argv[2] ?? '';
const given = /^[0-9]+$/.test(arg) ? undefined : arg;
const cells = Number(arg);
if (given === '' || (given === undefined && cells <= 0))
  throw new Error('usage: load-version.ts CELLS [--gzip] | load-version.ts ANSWER.json[.gz]');
const gzip = process.argv.includes('--gzip');
const dir = mkdtempSync(join(tmpdir(), 'eurostat-load-bench-'));
const database = `eurostat_bench_${randomUUID().slice(0, 8)}`;
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(process.env.DATABASE_URL ?? '');
url.pathname = `/${database}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
// DROP DATABASE … WITH (FORCE) at the end ends connections still closing.
pool.on('error', () => {});
try {
  await ensureSchema(pool);
  const answer =
    given === undefined
      ? await generateAnswer(join(dir, `answer.json${gzip ? '.gz' : ''}`), { cells, gzip })
      : { file: given, bytes: statSync(given).size };
  const updateTime = '2024-05-01T09:00:00Z';
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const outcome = await loadVersion(
    {
      pool,
      store: createLocalStore(join(dir, 'lake')),
      logger: createLogger({
        service: 'eurostat-bench',
        level: 'info',
        destination: process.stderr,
      }),
      maxRowChangeRatio: 0.5,
      tempDir: dir,
    },
    {
      code: 'hlth_bench',
      updateTime,
      file: answer.file,
      bronzeKey: eurostatBronzeKey('hlth_bench', updateTime),
    },
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  console.log(
    JSON.stringify({
      status: outcome.status,
      cells: outcome.rows,
      fileMB: Math.round(answer.bytes / 1e5) / 10,
      seconds: Math.round(seconds * 100) / 100,
      cellsPerSecond: Math.round(outcome.rows / seconds),
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
