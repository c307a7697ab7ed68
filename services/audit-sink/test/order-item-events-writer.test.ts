import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditRow, decodeMessage } from '../src/decode-message.js';
import { AuditSinkError } from '../src/errors.js';
import { migrate } from '../src/migrations.js';
import { OrderItemEventsWriter } from '../src/order-item-events-writer.js';
import { createPool } from '../src/postgres.js';
import { orderItemEvents } from './support/order-item-events.js';
import { randomSuffix, testLogger } from './support/test-bed.js';

const schema = `bronze_${randomSuffix()}`;
const admin = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const pool = createPool({
  databaseUrl: process.env.DATABASE_URL!,
  max: 2,
  applicationName: 'audit-sink-writer-test',
  statementTimeoutMs: 30_000,
  connectTimeoutMs: 2_000,
  logger: testLogger,
});
const writer = new OrderItemEventsWriter({ pool, schema });
const CLUSTER = 'test-cluster-id';
const at = (topic: string, clusterId = CLUSTER) => ({ clusterId, topic });

function rowsOf(
  values: readonly string[],
  firstOffset: number,
  key: string | null = '1',
): AuditRow[] {
  return values.map((value, i) => {
    const result = decodeMessage(
      {
        key: key === null ? null : Buffer.from(key),
        value: Buffer.from(value),
        offset: String(firstOffset + i),
        timestamp: '1714564800000',
      },
      0,
    );
    if (!result.ok) throw new Error(result.rejection.reason);
    return result.row;
  });
}

beforeAll(async () => {
  await migrate(admin, { schema });
});

afterAll(async () => {
  await pool.end();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

describe('OrderItemEventsWriter (real PostgreSQL)', () => {
  it('round-trips text with every COPY-special character intact', async () => {
    const tricky = [
      'tab\there',
      'new\nline',
      'cr\rlf\r\n',
      'back\\slash \\N \\. \\t',
      'ünïcödé 😀 "quotes"',
    ];
    const events = orderItemEvents(tricky.length, { firstItemId: 1_000 }).map((e, i) => ({
      ...e,
      product_name: tricky[i]!,
    }));
    // Raw JSON text with a literal tab and newline between tokens, which COPY must also escape.
    const values = events.map((e) => JSON.stringify(e).replace('{', '{\t\n'));
    const outcome = await writer.write(at('topic.a'), rowsOf(values, 0, 'key\twith\\tab'));
    expect(outcome).toMatchObject({ inserted: tricky.length, duplicates: 0, rejected: [] });
    const { rows } = await admin.query(
      `SELECT key, payload, payload->>'product_name' AS name, cluster_id, source_file, source_row
         FROM "${schema}".order_item_events WHERE topic = 'topic.a' ORDER BY "offset"`,
    );
    expect(rows.map((r) => [r.cluster_id, r.source_file, Number(r.source_row)])).toEqual(
      events.map((e) => [CLUSTER, e.source.file, e.source.row]),
    );
    expect(rows.map((r) => r.name)).toEqual(tricky);
    expect(rows.map((r) => r.payload)).toEqual(events);
    expect(rows.every((r) => r.key === 'key\twith\\tab')).toBe(true);
  });

  it('inserts a position once: writing it again counts as duplicate', async () => {
    const values = orderItemEvents(10, { firstItemId: 2_000 }).map((e) => JSON.stringify(e));
    expect(await writer.write(at('topic.b'), rowsOf(values.slice(0, 6), 0))).toMatchObject({
      inserted: 6,
      copiedDirectly: 6,
      duplicates: 0,
    });
    // Stored positions among them: through the staging table, which skips them.
    expect(await writer.write(at('topic.b'), rowsOf(values, 0))).toMatchObject({
      inserted: 4,
      copiedDirectly: 0,
      // The probe saw the stored positions: no COPY straight in was tried.
      directFallbacks: 0,
      duplicates: 6,
    });
    // Beyond every stored position: straight in again.
    expect(await writer.write(at('topic.b'), rowsOf(values.slice(0, 2), 10))).toMatchObject({
      inserted: 2,
      copiedDirectly: 2,
      duplicates: 0,
    });
    // The same offsets of another topic, or of the same topic in another cluster, are other
    // messages.
    expect(await writer.write(at('topic.c'), rowsOf(values, 0))).toMatchObject({ inserted: 10 });
    expect(await writer.write(at('topic.b', 'other-cluster'), rowsOf(values, 0))).toMatchObject({
      inserted: 10,
      conflicts: [],
    });
  });

  it('falls back to the staging table when a direct COPY meets a taken key', async () => {
    // No stored row is within the chunk's offsets, so it is copied straight in – and the chunk
    // repeats a position (as a position stored by another writer after the probe would): the COPY
    // fails on the key, rolls back to its savepoint, and the staging path writes it once.
    const values = orderItemEvents(5, { firstItemId: 5_000 }).map((e) => JSON.stringify(e));
    const rows = [...rowsOf(values, 0), ...rowsOf([values[2]!], 2)];
    const outcome = await writer.write(at('topic.f'), rows);
    expect(outcome).toMatchObject({
      inserted: 5,
      copiedDirectly: 0,
      directFallbacks: 1,
      duplicates: 1,
      conflicts: [],
    });
    const { rows: stored } = await admin.query(
      `SELECT "offset"::int AS offset FROM "${schema}".order_item_events WHERE topic = 'topic.f' ORDER BY 1`,
    );
    expect(stored.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  it('waits for a position another writer is storing: its commit makes a conflict, its rollback a direct copy', async () => {
    for (const other of ['commit', 'rollback'] as const) {
      const topic = `topic.g.${other}`;
      const values = orderItemEvents(3, { firstItemId: 6_000, status: 'COMPLETE' }).map((e) =>
        JSON.stringify(e),
      );
      const theirs = orderItemEvents(3, { firstItemId: 6_000, status: 'CANCELED' })[1]!;
      const session = await admin.connect();
      try {
        // Another writer holds position 1 uncommitted, so the probe sees nothing there.
        await session.query('BEGIN');
        await session.query(
          `INSERT INTO "${schema}".order_item_events (cluster_id, topic, partition, "offset", key,
             payload, order_item_id, order_id, order_status, order_date, ingested_at)
           VALUES ($1, $2, 0, 1, '1', $3, $4, $5, $6, $7, $8)`,
          [
            CLUSTER,
            topic,
            JSON.stringify(theirs),
            theirs.order_item_id,
            theirs.order_id,
            theirs.order_status,
            theirs.order_date,
            theirs.ingested_at,
          ],
        );
        const writing = writer.write(at(topic), rowsOf(values, 0));
        // Until the COPY waits on that key.
        const deadline = Date.now() + 10_000;
        for (;;) {
          const waiting = await admin.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE application_name = 'audit-sink-writer-test' AND wait_event_type = 'Lock'`,
          );
          if ((waiting.rowCount ?? 0) > 0) break;
          if (Date.now() > deadline) throw new Error('the writer never waited on the held key');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await session.query(other === 'commit' ? 'COMMIT' : 'ROLLBACK');
        const outcome = await writing;
        if (other === 'commit') {
          expect(outcome).toMatchObject({ inserted: 2, copiedDirectly: 0, directFallbacks: 1 });
          expect(outcome.conflicts.map((c) => c.offset)).toEqual(['1']);
        } else {
          expect(outcome).toMatchObject({
            inserted: 3,
            copiedDirectly: 3,
            directFallbacks: 0,
            conflicts: [],
          });
        }
      } finally {
        session.release();
      }
      const { rows: stored } = await admin.query(
        `SELECT "offset"::int AS offset, order_status FROM "${schema}".order_item_events
          WHERE topic = $1 ORDER BY 1`,
        [topic],
      );
      expect(stored.map((r) => r.offset)).toEqual([0, 1, 2]);
      expect(stored[1].order_status).toBe(other === 'commit' ? 'CANCELED' : 'COMPLETE');
    }
  });

  it('records another message at a stored position as a conflict, once, and inserts nothing', async () => {
    const stored = orderItemEvents(4, { firstItemId: 4_000, status: 'PENDING' });
    const arriving = orderItemEvents(4, { firstItemId: 4_000, status: 'COMPLETE' });
    await writer.write(
      at('topic.e'),
      rowsOf(
        stored.map((e) => JSON.stringify(e)),
        0,
      ),
    );
    // Positions 0–1 get other payloads, 2 the same payload under another key, 3 is a true replay.
    const rows = [
      ...rowsOf([JSON.stringify(arriving[0]), JSON.stringify(arriving[1])], 0),
      ...rowsOf([JSON.stringify(stored[2])], 2, 'another-key'),
      ...rowsOf([JSON.stringify(stored[3])], 3),
    ];
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await writer.write(at('topic.e'), rows);
      expect(outcome).toMatchObject({ inserted: 0, duplicates: 1 });
      expect(outcome.conflicts.map((c) => [c.offset, c.source.row, c.stored.row])).toEqual([
        ['0', 4_000, 4_000],
        ['1', 4_001, 4_001],
        ['2', 4_002, 4_002],
      ]);
    }
    const { rows: recorded } = await admin.query(
      `SELECT "offset"::int AS offset, key, payload->>'order_status' AS status,
              stored_payload->>'order_status' AS stored_status, cluster_id
         FROM "${schema}".order_item_event_conflicts WHERE topic = 'topic.e' ORDER BY 1`,
    );
    expect(recorded).toEqual([
      { offset: 0, key: '1', status: 'COMPLETE', stored_status: 'PENDING', cluster_id: CLUSTER },
      { offset: 1, key: '1', status: 'COMPLETE', stored_status: 'PENDING', cluster_id: CLUSTER },
      {
        offset: 2,
        key: 'another-key',
        status: 'PENDING',
        stored_status: 'PENDING',
        cluster_id: CLUSTER,
      },
    ]);
    const { rows: kept } = await admin.query(
      `SELECT DISTINCT order_status FROM "${schema}".order_item_events WHERE topic = 'topic.e'`,
    );
    expect(kept).toEqual([{ order_status: 'PENDING' }]);
  });

  it('isolates a row PostgreSQL refuses and writes all the others', async () => {
    const values = orderItemEvents(9, { firstItemId: 3_000 }).map((e) => JSON.stringify(e));
    values[6] = values[6]!.replace(/"sales":[^,]+/, '"sales":1e1000000'); // numeric overflow in jsonb
    const outcome = await writer.write(at('topic.d'), rowsOf(values, 100));
    expect(outcome.inserted).toBe(8);
    expect(outcome.rejected.map((r) => [r.row.offset, r.rejection.code])).toEqual([
      ['106', 'LS_AUDIT_REJECTED_BY_POSTGRES'],
    ]);
    expect(outcome.rejected[0]!.rejection.reason).toMatch(/^PostgreSQL refused the row \(22003\)/);
    expect(outcome.commitSeconds.length).toBeGreaterThan(1);
  });

  it('reports an unreachable server as retryable', async () => {
    const nowhere = createPool({
      databaseUrl: 'postgres://lakestream@127.0.0.1:1/lakestream',
      max: 1,
      applicationName: 'x',
      statementTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      logger: testLogger,
    });
    const err = await new OrderItemEventsWriter({ pool: nowhere, schema })
      .write(at('t'), rowsOf([JSON.stringify(orderItemEvents(1)[0])], 0))
      .catch((e: unknown) => e);
    await nowhere.end();
    expect(err).toBeInstanceOf(AuditSinkError);
    expect(err).toMatchObject({ code: 'LS_AUDIT_PG_UNAVAILABLE', retryable: true });
  });

  it('fails for good when the table is missing', async () => {
    const err = await new OrderItemEventsWriter({ pool, schema: 'no_such_schema' })
      .write(at('t'), rowsOf([JSON.stringify(orderItemEvents(1)[0])], 0))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LS_AUDIT_PG_FAILED', retryable: false });
  });
});
