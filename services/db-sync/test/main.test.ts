// The command as a scheduler runs it: `db-sync run --every` syncs again each interval, picks up
// rows written between runs, and on SIGTERM ends its schedule and exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service, testConfig } from './support/harness.js';
import { freshDatabase } from './support/source.js';
import { recordsOf, standIn } from './support/warehouse-stand-in.js';

const SERVICE_DIR = join(import.meta.dirname, '..');

describe('db-sync run --every', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let env: ReturnType<typeof testConfig>;
  let svc: Awaited<ReturnType<typeof service>>;
  let loader: Awaited<ReturnType<typeof standIn>>;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    db = await freshDatabase(`
      CREATE TABLE items (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL);
      INSERT INTO items VALUES (1, '2024-01-01');`);
    env = testConfig([db.name], ['items']);
    svc = await service(env.config);
    loader = await standIn(svc, [db.name]);
  });
  afterAll(async () => {
    // Also after a timed-out test: a scheduled sync left running would hold the database's lock.
    child?.kill('SIGKILL');
    await loader?.close();
    await svc?.close();
    await db?.drop();
    env?.cleanup();
  });

  it('syncs each interval, a row written between runs included, until SIGTERM, then exits 0', async () => {
    const sync = spawn(
      process.execPath,
      ['--conditions=lakestream-source', '--import', 'tsx', 'src/main.ts', 'run', '--every', '1s'],
      {
        cwd: SERVICE_DIR,
        env: { ...process.env, ...env.env, LOG_LEVEL: 'warn', METRICS_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = sync;
    let stdout = '';
    let stderr = '';
    sync.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    sync.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => sync.on('exit', resolve));
    const batchesSeen = async (n: number) => {
      for (let waited = 0; loader.batches.length < n; waited += 100) {
        if (waited > 30_000 || sync.exitCode !== null) {
          throw new Error(
            `${loader.batches.length} of ${n} batches; stdout: ${stdout}; stderr: ${stderr}`,
          );
        }
        await sleep(100);
      }
    };
    await batchesSeen(1);
    await db.admin.query(`INSERT INTO ${db.name}.items VALUES (2, '2024-06-01')`);
    await batchesSeen(2);
    sync.kill('SIGTERM');
    expect(await exited).toBe(0);
    // One summary row per run; the two runs seen were under way at the signal and finished.
    const summaries = stdout.split('\n').filter((line) => line.startsWith(`${db.name} `));
    expect(summaries.slice(0, 2)).toEqual([
      expect.stringMatching(/ ok$/),
      expect.stringMatching(/ ok$/),
    ]);
    const second = await recordsOf(svc.kafka, loader.batches[1]!);
    expect(second.map((r) => Number(r.record.row!.id))).toContain(2);
  });
});
