/**
 * The producer as a child process, stopped mid-file – by SIGKILL (a crash) and by SIGTERM (an
 * orderly stop) – then rerun with --resume: no row may be missing, duplicates are bounded by what
 * can be in flight, and an orderly stop leaves none at all.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFile, maxUnacknowledgedRows } from '../src/index.js';
import {
  csvText,
  deleteTopics,
  type Exit,
  freshTopics,
  generatedRows,
  readTopic,
  startProducer,
  tempDir,
  testKafka,
  writeLatin1,
} from './helpers.js';

const ROWS = 20_000;
const BATCH = 200;
const LANES = 3;
const kafka = testKafka();
const created: string[] = [];
let dir: string;
let file: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  file = await writeLatin1(`${dir}/orders-20k.csv`, csvText(generatedRows(ROWS, 5)));
});
afterAll(async () => {
  await deleteTopics(kafka, created);
  await cleanup();
});

async function checkpointRow(path: string): Promise<number> {
  try {
    return JSON.parse(await readFile(path, 'utf8')).row;
  } catch {
    return 0;
  }
}

async function waitForCheckpoint(
  path: string,
  atLeast: number,
  exit: Promise<Exit>,
): Promise<void> {
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 30_000;
  while ((await checkpointRow(path)) < atLeast) {
    if (exited) throw new Error(`producer exited early: ${JSON.stringify(await exit)}`);
    if (Date.now() > deadline) throw new Error(`checkpoint never reached row ${atLeast}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rows on the topic, counted per source row. */
async function rowCounts(topic: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const m of await readTopic(kafka, topic)) {
    const row = JSON.parse(m.value).source.row as number;
    counts.set(row, (counts.get(row) ?? 0) + 1);
  }
  return counts;
}

function commonArgs(topics: { topic: string; deadLetterTopic: string }): string[] {
  return [
    '--topic',
    topics.topic,
    '--dlq-topic',
    topics.deadLetterTopic,
    '--batch-size',
    String(BATCH),
    '--lanes',
    String(LANES),
  ];
}

describe('resume after a stop mid-file', () => {
  it('after kill -9, --resume delivers every row, duplicating at most the in-flight rows', async () => {
    const topics = freshTopics();
    created.push(topics.topic, topics.deadLetterTopic);
    const home = `${dir}/home-kill`;
    const checkpoint = (await CheckpointFile.forInput(home, file, topics.topic)).path;

    const first = startProducer([...commonArgs(topics), '--rate', '5000', file], home);
    await waitForCheckpoint(checkpoint, 3_000, first.exit);
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    const killedAt = await checkpointRow(checkpoint);
    expect(killedAt).toBeGreaterThanOrEqual(3_000);
    expect(killedAt).toBeLessThan(ROWS);

    const second = startProducer([...commonArgs(topics), '--resume', file], home);
    const done = await second.exit;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(
      new RegExp(
        `${(ROWS - killedAt).toLocaleString('en-US')} rows read, .* ${killedAt.toLocaleString('en-US')} skipped`,
      ),
    );

    const counts = await rowCounts(topics.topic);
    const missing = Array.from({ length: ROWS }, (_, i) => i + 1).filter((row) => !counts.has(row));
    expect(missing).toEqual([]);
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([row]) => row);
    console.info(
      `kill -9 at checkpoint row ${killedAt}: ${duplicated.length} rows duplicated on resume (bound ${maxUnacknowledgedRows(LANES, BATCH) + BATCH})`,
    );
    // Only rows after the checkpoint can repeat, and no more than could be unacknowledged.
    expect(duplicated.every((row) => row > killedAt)).toBe(true);
    expect(duplicated.length).toBeLessThanOrEqual(maxUnacknowledgedRows(LANES, BATCH) + BATCH);
    expect(JSON.parse(await readFile(checkpoint, 'utf8'))).toMatchObject({
      row: ROWS,
      complete: true,
    });
  });

  it('after SIGTERM: exits 0 within the grace period with its checkpoint written; --resume completes the file without duplicates', async () => {
    const topics = freshTopics();
    created.push(topics.topic, topics.deadLetterTopic);
    const home = `${dir}/home-term`;
    const checkpoint = (await CheckpointFile.forInput(home, file, topics.topic)).path;

    const first = startProducer([...commonArgs(topics), '--rate', '5000', file], home);
    await waitForCheckpoint(checkpoint, 3_000, first.exit);
    const signalledAt = performance.now();
    first.child.kill('SIGTERM');
    const stopped = await first.exit;
    const stopSeconds = (performance.now() - signalledAt) / 1000;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopSeconds).toBeLessThan(10); // SHUTDOWN_GRACE's default
    expect(stopped.stdout).toMatch(/^producer: interrupted: 1 file, /);
    const stoppedAt = await checkpointRow(checkpoint);
    expect(stoppedAt).toBeGreaterThanOrEqual(3_000);
    expect(stoppedAt).toBeLessThan(ROWS);
    const delivered = await rowCounts(topics.topic);
    // Flushed before exit: the checkpoint is exactly what was delivered.
    expect(delivered.size).toBe(stoppedAt);
    expect(Math.max(...delivered.keys())).toBe(stoppedAt);

    const second = startProducer([...commonArgs(topics), '--resume', file], home);
    const done = await second.exit;
    expect(done.code, done.stderr).toBe(0);
    const counts = await rowCounts(topics.topic);
    expect(counts.size).toBe(ROWS);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
