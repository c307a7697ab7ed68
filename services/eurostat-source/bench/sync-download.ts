/**
 * Downloads one generated answer through the fixture server (a child process, so its memory is
 * not counted here) with a cell limit that forces the 413 split, joins the parts, and prints one
 * JSON line: cells, parts, bytes, seconds, cells per second, and this process's peak RSS – the
 * download and the join stream, so the peak should not grow with the answer.
 *
 *   node --conditions=lakestream-source --import tsx bench/sync-download.ts CELLS [PARTS]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateAnswer } from '../src/jsonstat/generate.js';
import { openJsonStat } from '../src/jsonstat/index.js';
import { downloadDataset } from '../src/sync/download-dataset.js';
import { joinParts } from '../src/sync/join-parts.js';

const cells = Number(process.argv[2]);
const parts = Number(process.argv[3] ?? 4);
if (!Number.isInteger(cells) || cells <= 0)
  throw new Error('usage: sync-download.ts CELLS [PARTS]');
const dir = mkdtempSync(join(tmpdir(), 'eurostat-sync-bench-'));
const data = join(dir, 'data');
mkdirSync(data);
const code = 'hlth_bench';
const answer = await generateAnswer(join(data, `${code}.json`), { cells, code });
const server = spawn(
  process.execPath,
  [
    '--conditions=lakestream-source',
    '--import',
    'tsx',
    join(import.meta.dirname, '..', 'src', 'main.ts'),
    'fixtures',
    '--port',
    '0',
    '--data',
    data,
    '--cell-limit',
    String(Math.ceil(answer.positions / parts)),
    '--async-cells',
    String(answer.positions + 1),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
  const apiBase = line.replace(/^EUROSTAT_API_BASE=/, '');
  const work = join(dir, 'work');
  mkdirSync(work);
  const started = performance.now();
  const got = await downloadDataset(code, {
    apiBase,
    dir: work,
    timeoutMs: 600_000,
    maxAttempts: 1,
    retryBaseMs: 10,
    asyncTimeoutMs: 60_000,
    asyncPollMs: 10,
  });
  const seconds = (performance.now() - started) / 1000;
  const reader = await openJsonStat(got.file);
  // The join alone: the joined answer re-joined as one part (every cell read, mapped and written).
  const joinStarted = performance.now();
  await joinParts([got.file], join(work, 'rejoined.json'));
  const joinSeconds = (performance.now() - joinStarted) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      cells: answer.cells,
      joinedValues: reader.dataset.valueEntries,
      joinedStatuses: reader.dataset.statusEntries,
      parts: got.parts,
      bytes: got.bytes,
      seconds: Number(seconds.toFixed(2)),
      cellsPerSecond: Math.round(answer.cells / seconds),
      joinSeconds: Number(joinSeconds.toFixed(2)),
      joinCellsPerSecond: Math.round(answer.cells / joinSeconds),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
