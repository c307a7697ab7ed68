/**
 * Throughput of writing a full-size (180,519-row) DataCo file, printed beside in-process
 * references: reading the same file back with csv-parse (what the producer uses), alone and
 * followed by @lakestream/schema's parseOrderItemRow.
 *
 *   pnpm --filter @lakestream/datagen bench
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOrderItemRow } from '@lakestream/schema';
import { parse } from 'csv-parse/sync';
import { DEFAULT_ROWS, DEFAULT_SEED, writeCsv } from '../src/index.js';

const out = join(tmpdir(), `lakestream-datagen-bench-${process.pid}.csv`);

function report(label: string, rows: number, seconds: number, bytes?: number): void {
  const rate = Math.round(rows / seconds).toLocaleString('en-US');
  const size = bytes === undefined ? '' : `  ${(bytes / 1e6 / seconds).toFixed(0)} MB/s`;
  console.log(
    `${label.padEnd(44)} ${seconds.toFixed(2).padStart(6)} s ${rate.padStart(10)} rows/s${size}`,
  );
}

try {
  let start = performance.now();
  const summary = await writeCsv({ rows: DEFAULT_ROWS, seed: DEFAULT_SEED, out });
  report(
    'writeCsv (generate + latin-1 + write)',
    summary.rows,
    (performance.now() - start) / 1000,
    summary.bytes,
  );

  const text = (await readFile(out)).toString('latin1');
  start = performance.now();
  const records: string[][] = parse(text);
  report(
    'reference: csv-parse (sync) of the file',
    records.length - 1,
    (performance.now() - start) / 1000,
  );

  start = performance.now();
  const context = { file: out, row: 0, ingestedAt: new Date().toISOString() };
  let valid = 0;
  for (let i = 1; i < records.length; i++) {
    context.row = i;
    if (parseOrderItemRow(records[i]!, context).ok) valid++;
  }
  report('reference: parseOrderItemRow of its records', valid, (performance.now() - start) / 1000);
} finally {
  await rm(out, { force: true });
}
