import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { orderItemEvents, toMessage } from './support/order-item-events.js';
import { SinkProcess } from './support/sink-process.js';
import { TestBed, waitFor } from './support/test-bed.js';

let bed: TestBed | undefined;
const processes: SinkProcess[] = [];

afterEach(async () => {
  for (const child of processes.splice(0)) await child.stop();
  await bed?.cleanup();
  bed = undefined;
});

// The sinks' shutdown grace period; a process must have exited once it has passed, give or take
// the machine's present speed, measured by how long that same process took to start.
const GRACE_MS = 10_000;
const exitBudgetMs = (child: SinkProcess) => GRACE_MS + child.startupMs;

function startProcess(env: Record<string, string>): SinkProcess {
  const child = new SinkProcess(env);
  processes.push(child);
  return child;
}

/** Produces `messages` in small steps over a few seconds, as a live producer would. */
async function produceSteadily(
  target: TestBed,
  messages: readonly { key: string; value: string }[],
  step: number,
  pauseMs: number,
): Promise<void> {
  for (let i = 0; i < messages.length; i += step) {
    await target.produce(messages.slice(i, i + step));
    await sleep(pauseMs);
  }
}

describe('audit sink process', () => {
  it(
    'loses and duplicates nothing across kill -9 crashes and restarts',
    { timeout: 120_000 },
    async () => {
      bed = await TestBed.create({ partitions: 3 });
      await bed.migrate(); // so rows can be counted from the first moment
      const total = 20_000;
      const events = orderItemEvents(total).map(toMessage);
      // Small transactions, so that a kill lands between write and commit often.
      const env = bed.childEnv({
        AUDIT_SINK_MAX_BATCH_ROWS: '300',
        SHUTDOWN_GRACE: `${GRACE_MS}ms`,
        LOG_LEVEL: 'info',
      });

      const violations: unknown[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          violations.push(...(await bed!.committedButMissing()));
          await sleep(200);
        }
      })();

      const producing = produceSteadily(bed, events, 500, 150);
      for (let kill = 0; kill < 3; kill++) {
        const child = startProcess(env);
        const before = await bed.rowCount();
        // Let it join and write for a random while, then crash it mid-stream.
        await waitFor(
          `rows from sink #${kill + 1}`,
          async () => (await bed!.rowCount()) > before,
          30_000,
          100,
        );
        await sleep(100 + Math.random() * 700);
        child.kill('SIGKILL');
        expect((await child.waitForExit(5_000)).signal).toBe('SIGKILL');
      }
      await producing;

      const last = startProcess(env);
      // The killed sinks may have committed everything already: the last one must still have
      // started before it is stopped, or its stop would not test the drain.
      await last.waitForConsuming(60_000);
      await bed.waitForCommittedToEnd(60_000);
      watching = false;
      await watcher;

      expect(violations).toEqual([]);
      expect(await bed.positions()).toEqual({ rows: total, distinct: total, otherTopics: 0 });
      last.kill('SIGTERM');
      const exit = await last.waitForExit(exitBudgetMs(last));
      expect({ ...exit, output: exit.code === 0 ? '' : last.output() }).toEqual({
        code: 0,
        signal: null,
        output: '',
      });
    },
  );

  it(
    'drains on SIGTERM within the grace period: exit 0, all it committed written, the rest after a restart',
    { timeout: 90_000 },
    async () => {
      bed = await TestBed.create({ partitions: 3 });
      const total = 10_000;
      const events = orderItemEvents(total).map(toMessage);
      const env = bed.childEnv({
        AUDIT_SINK_MAX_BATCH_ROWS: '500',
        SHUTDOWN_GRACE: `${GRACE_MS}ms`,
        LOG_LEVEL: 'info',
      });
      const producing = produceSteadily(bed, events, 500, 100);

      const first = startProcess(env);
      await waitFor(
        'rows from the first process',
        async () => {
          await bed!.migrate();
          return (await bed!.rowCount()) > 1_000;
        },
        30_000,
        100,
      );
      first.kill('SIGTERM');
      // Exit 0 is the process's own verdict that the drain ended within SHUTDOWN_GRACE (past it,
      // the shutdown exits 1); the wait allows the grace plus this machine's present slowness.
      const exit = await first.waitForExit(exitBudgetMs(first));
      expect({ ...exit, output: exit.code === 0 ? '' : first.output() }).toEqual({
        code: 0,
        signal: null,
        output: '',
      });

      // What it committed is in PostgreSQL; what it did not, it may have written (a replay).
      expect(await bed.committedButMissing()).toEqual([]);
      const committedBefore = (await bed.committed()).reduce((sum, p) => sum + p.committed, 0);
      expect(committedBefore).toBeGreaterThan(0);

      await producing;
      const second = startProcess(env);
      await bed.waitForCommittedToEnd(45_000);
      expect(await bed.positions()).toEqual({ rows: total, distinct: total, otherTopics: 0 });
      second.kill('SIGTERM');
      expect((await second.waitForExit(exitBudgetMs(second))).code).toBe(0);
    },
  );

  it(
    'loses and duplicates nothing when killed right after a PostgreSQL commit, before the offset commit',
    { timeout: 120_000 },
    async () => {
      bed = await TestBed.create({ partitions: 2 });
      await bed.migrate();
      const total = 3_000;
      await bed.produce(orderItemEvents(total).map(toMessage));
      const env = bed.childEnv({ AUDIT_SINK_MAX_BATCH_ROWS: '200', LOG_LEVEL: 'info' });

      const crashing = startProcess({
        ...env,
        LAKESTREAM_FAULT_POINTS: 'audit-sink.after-insert@3',
      });
      expect((await crashing.waitForExit(60_000)).signal).toBe('SIGKILL');
      expect(crashing.output()).toContain('fault point audit-sink.after-insert (hit 3)');
      // The window is real: rows in PostgreSQL that no committed offset covers.
      const committed = (await bed.committed()).reduce(
        (sum, p) => sum + Math.max(0, p.committed),
        0,
      );
      expect(await bed.rowCount()).toBeGreaterThan(committed);
      expect(await bed.committedButMissing()).toEqual([]);

      const restarted = startProcess(env);
      await bed.waitForCommittedToEnd(60_000);
      expect(await bed.positions()).toEqual({ rows: total, distinct: total, otherTopics: 0 });
      restarted.kill('SIGTERM');
      expect((await restarted.waitForExit(exitBudgetMs(restarted))).code).toBe(0);
    },
  );

  it('refuses to start on invalid configuration, listing every problem', async () => {
    const child = startProcess({
      DATABASE_URL: 'mysql://nope',
      AUDIT_SINK_MAX_BATCH_ROWS: '0',
      AUDIT_SINK_SCHEMA: 'Bad-Name',
      AUDIT_SINK_TOPIK: 'x',
    });
    const exit = await child.waitForExit(20_000);
    expect(exit.code).toBe(2);
    const output = child.output();
    expect(output).toContain('Invalid configuration (4 problems)');
    expect(output).toContain('DATABASE_URL');
    expect(output).toContain('AUDIT_SINK_MAX_BATCH_ROWS');
    expect(output).toContain('AUDIT_SINK_SCHEMA');
    expect(output).toContain(
      'AUDIT_SINK_TOPIK: unknown variable for prefix AUDIT_SINK_ (did you mean AUDIT_SINK_TOPIC?)',
    );
  });
});
