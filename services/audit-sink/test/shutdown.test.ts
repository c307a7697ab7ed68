import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { orderItemEvents, toMessage } from './support/order-item-events.js';
import { TestBed, waitFor } from './support/test-bed.js';

let bed: TestBed | undefined;
let locker: pg.Client | undefined;

afterEach(async () => {
  await locker?.end().catch(() => {});
  locker = undefined;
  await bed?.cleanup();
  bed = undefined;
});

describe('audit sink shutdown', () => {
  it('cancels a write stuck behind a lock at half the grace period, so the drain fits SHUTDOWN_GRACE', async () => {
    bed = await TestBed.create({ partitions: 1 });
    const graceMs = 4_000;
    const applicationName = `audit-sink-drain-${bed.groupId}`.slice(0, 63);
    const events = orderItemEvents(600).map(toMessage);
    await bed.produce(events.slice(0, 300));
    const running = await bed.startSink({ shutdownGraceMs: graceMs }, { applicationName });
    await bed.waitForCommittedToEnd(30_000);

    // A lock that outlasts the grace period (a long migration, a VACUUM FULL): the next write
    // waits behind it, and its statement timeout (60 s) is far beyond the grace.
    locker = new pg.Client({ connectionString: bed.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${bed.schema}".order_item_events IN ACCESS EXCLUSIVE MODE`);
    await bed.produce(events.slice(300));
    await waitFor(
      'a write waiting for the lock',
      async () => {
        const { rows } = await bed!.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [applicationName],
        );
        return rows[0]!.n > 0;
      },
      20_000,
    );

    running.sink.stopIntake();
    const drained = (async () => {
      await running.sink.flush();
      await running.sink.commit();
      await running.sink.close();
      return true;
    })();
    // The whole drain, the lock still held, within the grace period.
    expect(await Promise.race([drained, sleep(graceMs).then(() => false)])).toBe(true);
    await locker.query('ROLLBACK');
    await running.pool.end();

    // The cancelled chunk is neither written nor committed: the next owner writes it.
    expect(await bed.committedButMissing()).toEqual([]);
    expect(await bed.rowCount()).toBe(300);
    expect((await bed.committed())[0]!.committed).toBe(300);
    await bed.startSink();
    await bed.waitForCommittedToEnd(30_000);
    expect(await bed.positions()).toEqual({ rows: 600, distinct: 600, otherTopics: 0 });
  });
});
