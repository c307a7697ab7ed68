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

/** What one `write` did. */
export interface WriteOutcome {
  /** Rows newly inserted. */
  inserted: number;
  /** Rows already present (a replay of offsets written before). */
  duplicates: number;
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
 * lets the primary key (topic, partition, offset) absorb a replay instead of failing on it.
 */
export class OrderItemEventsWriter {
  readonly #pool: pg.Pool;
  readonly #insertSql: string;
  // Sessions whose temp staging table exists; a replaced connection starts without one.
  readonly #prepared = new WeakSet<pg.ClientBase>();

  constructor(options: WriterOptions) {
    this.#pool = options.pool;
    this.#insertSql =
      `INSERT INTO ${quoteIdent(options.schema)}.order_item_events (topic, ${COLUMN_LIST}) ` +
      `SELECT $1, ${COLUMN_LIST} FROM pg_temp.${STAGING} ` +
      'ON CONFLICT (topic, partition, "offset") DO NOTHING';
  }

  /**
   * Writes the rows of one topic. Connection and transient failures are thrown (classified, with
   * `retryable`) and nothing of the failed transaction stays. A data error – a value PostgreSQL
   * refuses although it passed the sink's checks – splits the rows in halves until the refused
   * rows are alone; those come back in `rejected` and everything else is written.
   */
  async write(topic: string, rows: readonly AuditRow[]): Promise<WriteOutcome> {
    const outcome: WriteOutcome = {
      inserted: 0,
      duplicates: 0,
      rejected: [],
      insertedBytes: 0,
      commitSeconds: [],
    };
    if (rows.length > 0) await this.#writeSplitting(topic, rows, outcome);
    return outcome;
  }

  async #writeSplitting(topic: string, rows: readonly AuditRow[], outcome: WriteOutcome) {
    try {
      const { inserted, commitSeconds } = await this.#writeOnce(topic, rows);
      outcome.inserted += inserted;
      outcome.duplicates += rows.length - inserted;
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
      await this.#writeSplitting(topic, rows.slice(0, half), outcome);
      await this.#writeSplitting(topic, rows.slice(half), outcome);
    }
  }

  async #writeOnce(
    topic: string,
    rows: readonly AuditRow[],
  ): Promise<{ inserted: number; commitSeconds: number }> {
    const client = await connect(this.#pool, 'write');
    let inTransaction = false;
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
             kafka_timestamp timestamptz
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
      const result = await client.query(this.#insertSql, [topic]);
      const started = performance.now();
      await client.query('COMMIT');
      inTransaction = false;
      client.release();
      return {
        inserted: result.rowCount ?? 0,
        commitSeconds: (performance.now() - started) / 1000,
      };
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
    }
  }
}
