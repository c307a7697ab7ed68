import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { COPY_COLUMNS, encodeCopyText } from './copy-text.js';
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
const COLUMN_LIST = COPY_COLUMNS.map(quoteIdent).join(', ');

/**
 * Writes audit rows to `<schema>.order_item_events`, each call in one transaction: COPY the rows
 * into a session-local staging table, then `INSERT … SELECT … ON CONFLICT DO NOTHING` into the
 * target. COPY is the fast path into PostgreSQL but cannot skip existing keys; the staging step
 * lets the primary key (cluster_id, topic, partition, offset) absorb a replay instead of failing
 * on it. A row that was not inserted is checked against the stored one: the same message is a
 * replay, another message under the same key is a conflict, recorded in the same transaction.
 */
export class OrderItemEventsWriter {
  readonly #pool: pg.Pool;
  readonly #insertSql: string;
  readonly #conflictsSql: string;
  // Sessions whose temp staging table exists; a replaced connection starts without one.
  readonly #prepared = new WeakSet<pg.ClientBase>();
  // Sessions with a write under way, for `cancelRunning`.
  readonly #running = new Set<pg.PoolClient>();

  constructor(options: WriterOptions) {
    this.#pool = options.pool;
    const schema = quoteIdent(options.schema);
    this.#insertSql =
      `INSERT INTO ${schema}.order_item_events (cluster_id, topic, ${COLUMN_LIST}) ` +
      `SELECT $1, $2, ${COLUMN_LIST} FROM pg_temp.${STAGING} ` +
      'ON CONFLICT (cluster_id, topic, partition, "offset") DO NOTHING';
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
      const { inserted, conflicts, commitSeconds } = await this.#writeOnce(source, rows);
      outcome.inserted += inserted;
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
  ): Promise<{ inserted: number; conflicts: KeyConflict[]; commitSeconds: number }> {
    const client = await connect(this.#pool, 'write');
    let inTransaction = false;
    this.#running.add(client);
    try {
      if (!this.#prepared.has(client)) {
        // ON COMMIT DELETE ROWS empties it at every commit (and a rollback discards it), so the
        // table is created once per session and never needs cleaning.
        await client.query(
          `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (
             partition integer NOT NULL,
             "offset" bigint NOT NULL,
             key text,
             payload jsonb NOT NULL,
             order_item_id bigint NOT NULL,
             order_id bigint NOT NULL,
             order_status text NOT NULL,
             order_date timestamptz NOT NULL,
             ingested_at timestamptz NOT NULL,
             kafka_timestamp timestamptz,
             source_file text,
             source_row bigint
           ) ON COMMIT DELETE ROWS`,
        );
        this.#prepared.add(client);
      }
      await client.query('BEGIN');
      inTransaction = true;
      const copy = client.query(copyFrom(`COPY pg_temp.${STAGING} (${COLUMN_LIST}) FROM STDIN`));
      await pipeline(
        Readable.from([Buffer.from(encodeCopyText(rows), 'utf8')], { objectMode: false }),
        copy,
      );
      const params = [source.clusterId, source.topic];
      const inserted = (await client.query(this.#insertSql, params)).rowCount ?? 0;
      // Only rows that were not inserted can conflict: the common all-new chunk skips the check.
      const conflicts =
        inserted === rows.length
          ? []
          : (await client.query<ConflictRow>(this.#conflictsSql, params)).rows.map(toConflict);
      const started = performance.now();
      await client.query('COMMIT');
      inTransaction = false;
      client.release();
      return { inserted, conflicts, commitSeconds: (performance.now() - started) / 1000 };
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
