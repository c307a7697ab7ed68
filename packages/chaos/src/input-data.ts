import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeCsv } from '@lakestream/datagen';

/** The generated input: the CSV split into parts the producer streams one after the other. */
export interface InputData {
  /** The parts' paths, in order; each has the header line. */
  parts: string[];
  rows: number;
}

/**
 * Generates `rows` order items (deterministic for `seed`) and splits them into `partCount` CSV
 * files, so that faults can be placed between and during the producer's runs without ever stopping
 * the broker under a producer (a producer resend would give rows new offsets: not this suite's
 * subject, see services/producer/README.md).
 */
export async function prepareInput(
  dir: string,
  rows: number,
  seed: number,
  partCount: number,
): Promise<InputData> {
  await mkdir(dir, { recursive: true });
  const whole = join(dir, `orders-${rows}-${seed}.csv`);
  await writeCsv({ rows, seed, out: whole });
  // latin-1 is one byte per character; generated rows never hold a line break inside a field.
  const lines = (await readFile(whole, 'latin1')).split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [header, ...data] = lines;
  if (data.length !== rows) {
    throw new Error(`expected ${rows} data lines in ${whole}, found ${data.length}`);
  }
  const parts: string[] = [];
  const size = Math.ceil(rows / partCount);
  for (let i = 0; i < partCount; i++) {
    const slice = data.slice(i * size, (i + 1) * size);
    if (slice.length === 0) break;
    const file = join(dir, `part-${i + 1}.csv`);
    await writeFile(file, `${[header, ...slice].join('\n')}\n`, 'latin1');
    parts.push(file);
  }
  return { parts, rows };
}
