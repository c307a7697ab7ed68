/**
 * Benchmark: the managed-export reader over a generated export of quality-report documents
 * (~1 GB by default), beside the independent Python reader (leveldb-export's RecordsReader with
 * CRCs checked + App Engine's EntityProto + the tests' value mapper) on the same files.
 *
 *   pnpm --filter @lakestream/firestore-source bench          (BENCH_EXPORT_MB=… to change the size)
 *
 * The export (kind_qualityReports, 64 MB output files, s~ app, indexed properties) is generated
 * once and cached under $LAKESTREAM_HOME/bench/ (or the temp folder). Each reader runs as its own
 * process, so its peak RSS is its own: ours through `--read DIR` of this script, decoding every
 * document to the lake's value JSON; Python decoding and mapping every document (--count, no
 * printing). Prints documents/s, MB/s and peak RSS of both; asserts nothing but equal counts.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensurePythonTool } from '@lakestream/devstack';
import { readManagedExport } from '../src/managed-export/index.js';
import { encodeEntity, type FsDocument, fs } from '../test/support/export-entity.js';
import { kindMetadata, LogWriter, overallMetadata } from '../test/support/export-writer.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON_READER = join(HERE, '..', 'test', 'support', 'read_export.py');
const FILE_BYTES = 64 * 1024 * 1024;
const KIND = 'qualityReports';

/** The n-th generated quality report: ~600 bytes, maps, arrays, timestamps, doubles. */
function report(n: number): FsDocument {
  const created = 1_700_000_000_000_000n + BigInt(n) * 1_000_003n;
  return {
    path: `teams/t${n % 97}/reports/r${n % 1009}/${KIND}/${1_700_000_000 + n}`,
    fields: {
      insertId: `ins-${n.toString(36).padStart(8, '0')}`,
      createdAt: fs.timestamp(created),
      score: fs.double((n % 1000) / 1000),
      passed: n % 7 !== 0,
      rows: fs.int(n * 13),
      checks: [
        fs.map({ name: 'not_null', failed: fs.int(n % 3), column: 'order_id' }),
        fs.map({ name: 'unique', failed: fs.int(0), column: 'order_item_id' }),
        fs.map({ name: 'range', failed: fs.int(n % 11), column: 'sales' }),
      ],
      tags: ['nightly', `team-${n % 97}`],
      notes: `report ${n}: ${'checked rows against the contract; '.repeat(6)}`,
      author: fs.ref(`teams/t${n % 97}/members/m${n % 13}`),
    },
  };
}

/** Generates (once) an export of about `mb` MB; returns its folder and size. */
async function generate(mb: number): Promise<{ dir: string; bytes: number; files: string[] }> {
  const home = process.env.LAKESTREAM_HOME ? resolve(process.env.LAKESTREAM_HOME) : tmpdir();
  const dir = join(home, 'bench', `firestore-export-${mb}mb-v1`);
  const base = `all_namespaces/kind_${KIND}`;
  const target = mb * 1024 * 1024;
  const names: string[] = [];
  for (let i = 0; i * FILE_BYTES < target; i++) names.push(`output-${i}`);
  const files = names.map((n) => join(dir, base, n));
  if (existsSync(join(dir, '.complete'))) {
    const sizes = await Promise.all(files.map((f) => stat(f).then((s) => s.size)));
    return { dir, bytes: sizes.reduce((a, b) => a + b, 0), files };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, base), { recursive: true });
  process.stderr.write(`generating a ${mb} MB export in ${dir} (once)…\n`);
  let n = 0;
  let bytes = 0;
  for (const [i, name] of names.entries()) {
    const log = new LogWriter();
    const limit = Math.min(FILE_BYTES, target - i * FILE_BYTES);
    while (log.size < limit)
      log.add(encodeEntity(report(n++), { app: 's~bench', indexed: true, numericIds: true }));
    await writeFile(join(dir, base, name), log.bytes());
    bytes += log.size;
  }
  const metadataKey = `${base}/all_namespaces_kind_${KIND}.export_metadata`;
  await writeFile(join(dir, metadataKey), kindMetadata('bench', 1n, 2n, names));
  await writeFile(
    join(dir, 'bench.overall_export_metadata'),
    overallMetadata([{ metadataKey, count: n, bytes }]),
  );
  await writeFile(join(dir, '.complete'), '');
  return { dir, bytes, files };
}

/**
 * This process's peak resident memory (VmHWM). Not getrusage's maxrss: Linux carries that over
 * exec from the forking parent, so a child of the generating process would report its memory.
 */
function peakRssKb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
}

/** The child: reads the export with our reader, prints {docs, bad, seconds, maxRssKb}. */
async function readOurs(dir: string): Promise<void> {
  let docs = 0;
  let bad = 0;
  let fields = 0;
  const started = performance.now();
  for await (const doc of readManagedExport(dir, { onBadRecord: () => bad++ })) {
    docs++;
    fields += Object.keys(doc.fields).length;
  }
  const seconds = (performance.now() - started) / 1000;
  const maxRssKb = peakRssKb();
  process.stdout.write(`${JSON.stringify({ docs, bad, fields, seconds, maxRssKb })}\n`);
}

interface Figures {
  docs: number;
  seconds: number;
  maxRssKb: number;
}

async function runOurs(dir: string): Promise<Figures> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--conditions=lakestream-source',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--read',
      dir,
    ],
    { cwd: join(HERE, '..') },
  );
  return JSON.parse(stdout) as Figures;
}

async function runPython(files: string[]): Promise<Figures> {
  const python = await ensurePythonTool('firestore-reader');
  const started = performance.now();
  const { stdout } = await promisify(execFile)(python, [PYTHON_READER, '--count', ...files]);
  const seconds = (performance.now() - started) / 1000;
  const summary = JSON.parse(stdout.trim()) as {
    records: number;
    unknown: number;
    maxrss_kb: number;
  };
  return { docs: summary.records - summary.unknown, seconds, maxRssKb: summary.maxrss_kb };
}

function line(name: string, f: Figures, bytes: number): string {
  const mb = bytes / 1024 / 1024;
  return `${name.padEnd(34)} ${f.docs.toLocaleString('en').padStart(11)} docs ${f.seconds.toFixed(1).padStart(7)} s ${Math.round(
    f.docs / f.seconds,
  )
    .toLocaleString('en')
    .padStart(9)} docs/s ${(mb / f.seconds).toFixed(1).padStart(7)} MB/s ${Math.round(
    f.maxRssKb / 1024,
  )
    .toString()
    .padStart(5)} MB peak RSS`;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--read') {
    await readOurs(process.argv[3]!);
    return;
  }
  const mb = Number(process.env.BENCH_EXPORT_MB ?? 1024);
  if (!Number.isFinite(mb) || mb <= 0)
    throw new Error(`BENCH_EXPORT_MB must be a positive number, got ${mb}`);
  const exported = await generate(mb);
  const ours = await runOurs(exported.dir);
  const python = await runPython(exported.files);
  const size = `${(exported.bytes / 1024 / 1024).toFixed(0)} MB in ${exported.files.length} files`;
  process.stdout.write(
    [
      `managed export: ${size} (${exported.dir})`,
      line('lakestream reader (TypeScript)', ours, exported.bytes),
      line('leveldb-export + EntityProto (Py)', python, exported.bytes),
      `speed-up: ${(python.seconds / ours.seconds).toFixed(1)}×`,
      '',
    ].join('\n'),
  );
  if (ours.docs !== python.docs) {
    throw new Error(`the readers disagree: ${ours.docs} documents against ${python.docs}`);
  }
}

await main();
