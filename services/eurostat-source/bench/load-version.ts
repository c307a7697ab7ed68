/**
 * Loads one generated answer – raw file to PostgreSQL and silver Parquet, the quality gate
 * included – into a database of its own and a temporary lake folder, and prints one JSON line:
 * cells, seconds, cells per second and the peak RSS of the process (its own process, so nothing
 * else counts in the peak). DATABASE_URL names the server (the local stack's env file sets it).
 *
 *   node --conditions=lakestream-source --import tsx bench/load-version.ts CELLS [--gzip]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eurostatBronzeKey } from '@lakestream/lake';
import { createLocalStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import pg from 'pg';
import { generateAnswer } from '../src/jsonstat/generate.js';
import { loadVersion } from '../src/load/load-version.js';
import { ensureSchema } from '../src/pg/schema.js';

const cells = Number(process.argv[2]);
if (!Number.isInteger(cells) || cells <= 0)
  throw new Error('usage: load-version.ts CELLS [--gzip]');
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
  const answer = await generateAnswer(join(dir, `answer.json${gzip ? '.gz' : ''}`), {
    cells,
    gzip,
  });
  const updateTime = '2024-05-01T09:00:00Z';
  const start = performance.now();
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
  console.log(
    JSON.stringify({
      status: outcome.status,
      cells: outcome.rows,
      fileMB: Math.round(answer.bytes / 1e5) / 10,
      seconds: Math.round(seconds * 100) / 100,
      cellsPerSecond: Math.round(outcome.rows / seconds),
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
