/**
 * The watcher's PostgreSQL side: the watched datasets with their catalogue dates, the newest
 * loaded version of each, and the announcements.
 *
 * "The same update is announced once" is kept by `eurostat.announcements`, primary key (code,
 * update time): a run inserts its updates, publishes only the rows that were new, and commits
 * after Kafka has acknowledged them. A run that fails before the commit leaves no row, so the
 * next run announces again; a crash between Kafka's acknowledgement and the commit announces
 * that version a second time, which the sync absorbs (a loaded version is not loaded again).
 * The table was chosen over reading the topic's latest event per key: it answers with one
 * indexed query instead of a read of the whole topic on every run, it lives in the same
 * database as the loads it is compared with, and an operator can query it.
 */
import type pg from 'pg';
import { databaseFailed } from '../errors.js';
import { SCHEMA } from '../pg/schema.js';
import type { PlannedUpdate, WatchedDataset } from './plan.js';

/** The watchlist joined with the catalogue's dates, and the newest loaded version per code. */
export async function readWatchState(
  pool: pg.Pool,
): Promise<{ watched: WatchedDataset[]; lastLoads: Map<string, Date> }> {
  try {
    const watched = await pool.query<WatchedDataset>(
      `SELECT w.code,
              to_char(c.last_data_update, 'YYYY-MM-DD') AS "lastDataUpdate",
              to_char(c.last_structure_change, 'YYYY-MM-DD') AS "lastStructureChange"
         FROM ${SCHEMA}.watchlist w JOIN ${SCHEMA}.catalog c USING (code)
        ORDER BY w.code`,
    );
    const loads = await pool.query<{ code: string; update_time: Date }>(
      `SELECT code, max(update_time) AS update_time FROM ${SCHEMA}.loads GROUP BY code`,
    );
    return {
      watched: watched.rows,
      lastLoads: new Map(loads.rows.map((r) => [r.code, r.update_time])),
    };
  } catch (err) {
    throw databaseFailed(err, `reading ${SCHEMA}.watchlist, ${SCHEMA}.catalog and ${SCHEMA}.loads`);
  }
}

/**
 * Records `updates` and calls `publish` with those not announced before, in one transaction
 * committed only after `publish` resolves; resolves with the updates published. A failing
 * `publish` rolls the records back and rethrows its error.
 */
export async function announceOnce(
  pool: pg.Pool,
  updates: readonly PlannedUpdate[],
  detectedAt: Date,
  publish: (fresh: PlannedUpdate[]) => Promise<void>,
): Promise<PlannedUpdate[]> {
  if (updates.length === 0) return [];
  let client: pg.PoolClient | undefined;
  let step = `recording announcements in ${SCHEMA}.announcements`;
  try {
    client = await pool.connect();
    await client.query('BEGIN');
    const inserted = await client.query<{ code: string; update_time: Date }>(
      `INSERT INTO ${SCHEMA}.announcements (code, update_time, changed, source, detected_at)
       SELECT *, $5::timestamptz FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[])
       ON CONFLICT (code, update_time) DO NOTHING
       RETURNING code, update_time`,
      [
        updates.map((u) => u.code),
        updates.map((u) => u.updateTime),
        updates.map((u) => u.changed),
        updates.map((u) => u.source),
        detectedAt,
      ],
    );
    const fresh = new Set(inserted.rows.map((r) => `${r.code}|${r.update_time.getTime()}`));
    const toPublish = updates.filter((u) => fresh.has(`${u.code}|${u.updateTime.getTime()}`));
    if (toPublish.length > 0) {
      try {
        await publish(toPublish);
      } catch (err) {
        step = '';
        throw err;
      }
    }
    step = `committing announcements in ${SCHEMA}.announcements (the events are published: the next run announces them again)`;
    await client.query('COMMIT');
    return toPublish;
  } catch (err) {
    await client?.query('ROLLBACK').catch(() => {});
    // The publisher's own error keeps its code; a database error is named by its step.
    throw step === '' ? err : databaseFailed(err, step);
  } finally {
    client?.release();
  }
}
