import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { COPY_COLUMNS, encodeCopyRows, escapeCopyText } from './copy-text.js';
import type { AuditRow, Rejection } from './decode-message.js';
import { type AuditSinkError, classifyPostgresError, sqlState } from './errors.js';
import { connect } from './postgres.js';
import { quoteIdent } from './quote-ident.js';

/** A row PostgreSQL refused, with the reason. */
export interface RejectedRow {
  row: AuditRow;
  rejection: Rejection;
}

/** Where a batch of rows was read: its topic, and the Kafka cluster that holds it. */
export interface RowsSource {
  /** The Kafka cluster id (`describeCluster`), part of every key. */
  clusterId: string;
  topic: string;
}

/** A message whose key was already stored with another payload or key (recorded, not inserted). */
export interface KeyConflict {
  partition: number;
  offset: string;
  /** The message's source position, and the stored row's. */
  source: { file: string | null; row: number | null };
  stored: { file: string | null; row: number | null; loadedAt: Date };
}

/** What one `write` did. */
export interface WriteOutcome {
  /** Rows newly inserted. */
  inserted: number;
  /** Of those, rows copied straight into the table (a chunk none of whose positions was stored). */
  copiedDirectly: number;
  /** Direct COPYs that met a key stored meanwhile, rolled back and written through staging. */
  directFallbacks: number;
  /** Rows already present with the same payload and key (a replay of offsets written before). */
  duplicates: number;
  /** Rows whose key was taken by another message: recorded in `order_item_event_conflicts`. */
  conflicts: KeyConflict[];
  /** Rows PostgreSQL refused as data errors; the caller dead-letters them. */
  rejected: RejectedRow[];
  /** Bytes of payload inserted. */
  insertedBytes: number;
  /** Seconds spent in COMMIT, one entry per transaction. */
  commitSeconds: number[];
}

/** Options of `OrderItemEventsWriter`. */
export interface WriterOptions {
  pool: pg.Pool;
  /** Target schema (validated identifier). */
  schema: string;
}

const STAGING = 'audit_sink_staging';
/** What every COPY writes: the batch's cluster and topic, then the row's columns. */
const COPIED_COLUMNS = ['cluster_id', 'topic', ...COPY_COLUMNS].map(quoteIdent).join(', ');

/**
 * Writes audit rows to `<schema>.order_item_events`, each call in one transaction. COPY is the
 * fast path into PostgreSQL but cannot skip existing keys, so a chunk whose positions the table
 * may already hold (a replay after a crash or a rebalance) goes through a session-local staging
 * table and `INSERT … SELECT … ON CONFLICT DO NOTHING`: the primary key (cluster_id, topic,
 * partition, offset) absorbs the replay instead of failing on it, and a row that was not inserted
 * is checked against the stored one – the same message is a replay, another message under the
 * same key is a conflict, recorded in the same transaction.
 *
 * The usual chunk is new: no stored row lies within its offset ranges (one index probe per
 * partition). It is copied straight into the table, which halves PostgreSQL's work (the staging
 * copy parsed every payload once more and wrote it twice). Another writer may store one of its
 * positions between the probe and the COPY; the COPY then fails on the key, is rolled back to
 * its savepoint, and the chunk takes the staging path after all.
 */
export class OrderItemEventsWriter {
  readonly #pool: pg.Pool;
  readonly #stagingSql: string;
  readonly #insertSql: string;
  readonly #conflictsSql: string;
  readonly #storedWithinSql: string;
  readonly #directCopySql: string;
  // Sessions whose temp staging table exists; a replaced connection starts without one.
  readonly #prepared = new WeakSet<pg.ClientBase>();
  // Sessions with a write under way, for `cancelRunning`.
  readonly #running = new Set<pg.PoolClient>();

  constructor(options: WriterOptions) {
    this.#pool = options.pool;
    const schema = quoteIdent(options.schema);
    // The staging table is the target's shape (its defaults too: loaded_at), so the migrations
    // alone say what a row holds.
    this.#stagingSql = `CREATE TEMP TABLE IF NOT EXISTS ${STAGING}
      (LIKE ${schema}.order_item_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
    this.#insertSql =
      `INSERT INTO ${schema}.order_item_events (${COPIED_COLUMNS}) ` +
      `SELECT ${COPIED_COLUMNS} FROM pg_temp.${STAGING} ` +
      'ON CONFLICT (cluster_id, topic, partition, "offset") DO NOTHING';
    this.#storedWithinSql = `
      SELECT 1 FROM unnest($3::int[], $4::bigint[], $5::bigint[]) AS r(partition, low, high)
       WHERE EXISTS (SELECT 1 FROM ${schema}.order_item_events t
                      WHERE t.cluster_id = $1 AND t.topic = $2 AND t.partition = r.partition
                        AND t."offset" BETWEEN r.low AND r.high)
       LIMIT 1`;
    this.#directCopySql = `COPY ${schema}.order_item_events (${COPIED_COLUMNS}) FROM STDIN`;
    // Read in a new statement, so it sees rows another instance committed while the INSERT
    // waited on their keys; the rows this transaction inserted match themselves.
    this.#conflictsSql = `
      WITH found AS (
        SELECT s.partition, s."offset", s.key, s.payload, s.kafka_timestamp, s.source_file,
               s.source_row, t.key AS stored_key, t.payload AS stored_payload,
               t.kafka_timestamp AS stored_kafka_timestamp, t.source_file AS stored_source_file,
               t.source_row AS stored_source_row, t.loaded_at AS stored_loaded_at
          FROM pg_temp.${STAGING} s
          JOIN ${schema}.order_item_events t
            ON t.cluster_id = $1 AND t.topic = $2
           AND t.partition = s.partition AND t."offset" = s."offset"
         WHERE t.payload <> s.payload OR t.key IS DISTINCT FROM s.key
      ), recorded AS (
        INSERT INTO ${schema}.order_item_event_conflicts (cluster_id, topic, partition, "offset",
               key, payload, kafka_timestamp, source_file, source_row, stored_key, stored_payload,
               stored_kafka_timestamp, stored_source_file, stored_source_row, stored_loaded_at)
        SELECT $1, $2, partition, "offset", key, payload, kafka_timestamp, source_file, source_row,
               stored_key, stored_payload, stored_kafka_timestamp, stored_source_file,
               stored_source_row, stored_loaded_at
          FROM found
        ON CONFLICT (cluster_id, topic, partition, "offset", (md5(payload::text))) DO NOTHING
      )
      SELECT partition, "offset"::text AS "offset", source_file, source_row::float8 AS source_row,
             stored_source_file, stored_source_row::float8 AS stored_source_row, stored_loaded_at
        FROM found ORDER BY found.partition, found."offset"`;
  }

  /**
   * Writes the rows of one topic. Connection and transient failures are thrown (classified, with
   * `retryable`) and nothing of the failed transaction stays. A data error – a value PostgreSQL
   * refuses although it passed the sink's checks – splits the rows in halves until the refused
   * rows are alone; those come back in `rejected` and everything else is written.
   */
  async write(source: RowsSource, rows: readonly AuditRow[]): Promise<WriteOutcome> {
    const outcome: WriteOutcome = {
      inserted: 0,
      copiedDirectly: 0,
      directFallbacks: 0,
      duplicates: 0,
      conflicts: [],
      rejected: [],
      insertedBytes: 0,
      commitSeconds: [],
    };
    if (rows.length > 0) await this.#writeSplitting(source, rows, outcome);
    return outcome;
  }

  /**
   * Cancels the statements of the writes under way (`pg_cancel_backend`): each fails with 57014,
   * its transaction rolls back, and its chunk stays uncommitted for the next owner. Shutdown uses
   * it to keep a slow write from eating the whole grace period. Returns how many it cancelled.
   */
  async cancelRunning(): Promise<number> {
    const pids = [...this.#running]
      .map((client) => (client as unknown as { processID: number | null }).processID)
      .filter((pid): pid is number => typeof pid === 'number');
    if (pids.length === 0) return 0;
    try {
      await this.#pool.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    } catch (err) {
      throw classifyPostgresError(err, 'cancelling running writes');
    }
    return pids.length;
  }

  async #writeSplitting(source: RowsSource, rows: readonly AuditRow[], outcome: WriteOutcome) {
    try {
      const { inserted, path, conflicts, commitSeconds } = await this.#writeOnce(source, rows);
      outcome.inserted += inserted;
      if (path === 'direct') outcome.copiedDirectly += inserted;
      if (path === 'fallback') outcome.directFallbacks++;
      outcome.duplicates += rows.length - inserted - conflicts.length;
      outcome.conflicts.push(...conflicts);
      // Bytes are attributed in full when everything was new (the common case), else estimated.
      const bytes = rows.reduce((sum, r) => sum + r.bytes, 0);
      outcome.insertedBytes += Math.round((bytes * inserted) / rows.length);
      outcome.commitSeconds.push(commitSeconds);
    } catch (err) {
      const error = err as AuditSinkError;
      if (error.code !== 'LS_AUDIT_PG_REJECTED_DATA') throw err;
      if (rows.length === 1) {
        const cause = error.cause as { message?: string } | undefined;
        outcome.rejected.push({
          row: rows[0]!,
          rejection: {
            code: 'LS_AUDIT_REJECTED_BY_POSTGRES',
            reason: `PostgreSQL refused the row (${sqlState(error.cause) ?? 'no SQLSTATE'}): ${cause?.message ?? error.message}`,
          },
        });
        return;
      }
      const half = Math.ceil(rows.length / 2);
      await this.#writeSplitting(source, rows.slice(0, half), outcome);
      await this.#writeSplitting(source, rows.slice(half), outcome);
    }
  }

  async #writeOnce(
    source: RowsSource,
    rows: readonly AuditRow[],
  ): Promise<{
    inserted: number;
    path: CopyPath;
    conflicts: KeyConflict[];
    commitSeconds: number;
  }> {
    const client = await connect(this.#pool, 'write');
    let inTransaction = false;
    this.#running.add(client);
    try {
      if (!this.#prepared.has(client)) {
        // ON COMMIT DELETE ROWS empties it at every commit (and a rollback discards it), so the
        // table is created once per session and never needs cleaning.
        await client.query(this.#stagingSql);
        this.#prepared.add(client);
      }
      await client.query('BEGIN');
      inTransaction = true;
      // One encoding serves both COPYs, the direct one and the staging one after a fallback.
      const text = encodeCopyRows(
        rows,
        `${escapeCopyText(source.clusterId)}\t${escapeCopyText(source.topic)}\t`,
      );
      const path = await this.#copyDirectly(client, source, rows, text);
      let inserted = rows.length;
      let conflicts: KeyConflict[] = [];
      if (path !== 'direct')
        ({ inserted, conflicts } = await this.#copyStaged(client, source, rows, text));
      const started = performance.now();
      await client.query('COMMIT');
      inTransaction = false;
      client.release();
      return { inserted, path, conflicts, commitSeconds: (performance.now() - started) / 1000 };
    } catch (err) {
      const error = classifyPostgresError(err, `writing ${rows.length} rows`);
      // A server-side refusal leaves the session usable once rolled back; anything else (a lost
      // connection, a COPY cut short) may leave it in an unknown state, so it is discarded.
      let reusable = sqlState(err) !== undefined && error.code !== 'LS_AUDIT_PG_UNAVAILABLE';
      if (reusable && inTransaction) {
        reusable = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
      }
      client.release(!reusable);
      throw error;
    } finally {
      this.#running.delete(client);
    }
  }

  /**
   * COPYs the rows straight into the table when none of their positions is stored (`direct`);
   * otherwise nothing is written: `staged` when the probe found stored positions, `fallback` when
   * the COPY met a key stored since the probe and was rolled back.
   */
  async #copyDirectly(
    client: pg.PoolClient,
    source: RowsSource,
    rows: readonly AuditRow[],
    text: Buffer,
  ): Promise<CopyPath> {
    const ranges = offsetRanges(rows);
    const stored = await client.query(this.#storedWithinSql, [
      source.clusterId,
      source.topic,
      ranges.partitions,
      ranges.lows,
      ranges.highs,
    ]);
    if ((stored.rowCount ?? 0) > 0) return 'staged';
    await client.query('SAVEPOINT direct_copy');
    try {
      await copyIn(client, this.#directCopySql, text);
    } catch (err) {
      // Another writer stored one of these positions since the probe (or the chunk repeats one).
      if (sqlState(err) !== UNIQUE_VIOLATION) throw err;
      // Released too, so the staging path does not run in a subtransaction of its own.
      await client.query('ROLLBACK TO SAVEPOINT direct_copy; RELEASE SAVEPOINT direct_copy');
      return 'fallback';
    }
    // The savepoint ends with the COMMIT; releasing it first would cost a round trip.
    return 'direct';
  }

  /** COPY into the staging table, then insert what is new and check what was not. */
  async #copyStaged(
    client: pg.PoolClient,
    source: RowsSource,
    rows: readonly AuditRow[],
    text: Buffer,
  ): Promise<{ inserted: number; conflicts: KeyConflict[] }> {
    await copyIn(client, `COPY pg_temp.${STAGING} (${COPIED_COLUMNS}) FROM STDIN`, text);
    const params = [source.clusterId, source.topic];
    const inserted = (await client.query(this.#insertSql)).rowCount ?? 0;
    // Only rows that were not inserted can conflict: the common all-new chunk skips the check.
    const conflicts =
      inserted === rows.length
        ? []
        : (await client.query<ConflictRow>(this.#conflictsSql, params)).rows.map(toConflict);
    return { inserted, conflicts };
  }
}

const UNIQUE_VIOLATION = '23505';

/** How a chunk reached the table; see `#copyDirectly`. */
type CopyPath = 'direct' | 'staged' | 'fallback';

/** Streams COPY text into `sql` (a `COPY … FROM STDIN`). */
async function copyIn(client: pg.PoolClient, sql: string, text: Buffer): Promise<void> {
  await pipeline(Readable.from([text], { objectMode: false }), client.query(copyFrom(sql)));
}

/** Per partition of the rows, their lowest and highest offset (as parameter arrays). */
function offsetRanges(rows: readonly AuditRow[]): {
  partitions: number[];
  lows: string[];
  highs: string[];
} {
  const byPartition = new Map<number, { low: bigint; high: bigint }>();
  for (const row of rows) {
    const offset = BigInt(row.offset);
    const range = byPartition.get(row.partition);
    if (range === undefined) byPartition.set(row.partition, { low: offset, high: offset });
    else if (offset < range.low) range.low = offset;
    else if (offset > range.high) range.high = offset;
  }
  const partitions = [...byPartition.keys()];
  return {
    partitions,
    lows: partitions.map((p) => String(byPartition.get(p)!.low)),
    highs: partitions.map((p) => String(byPartition.get(p)!.high)),
  };
}

interface ConflictRow {
  partition: number;
  offset: string;
  source_file: string | null;
  source_row: number | null;
  stored_source_file: string | null;
  stored_source_row: number | null;
  stored_loaded_at: Date;
}

function toConflict(row: ConflictRow): KeyConflict {
  return {
    partition: row.partition,
    offset: row.offset,
    source: { file: row.source_file, row: row.source_row },
    stored: {
      file: row.stored_source_file,
      row: row.stored_source_row,
      loadedAt: row.stored_loaded_at,
    },
  };
}
