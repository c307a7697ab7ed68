/**
 * Loads a table of contents into `eurostat.catalog` and the keyword selection into
 * `eurostat.watchlist`, in one transaction: readers see the old catalogue or the new one, and a
 * run that fails half-way leaves the old one. Loading the same file again changes no row.
 */
import type pg from 'pg';
import { databaseFailed } from '../errors.js';
import { SCHEMA } from '../pg/schema.js';
import type { CatalogEntry } from './toc.js';

/** What a load changed. */
export interface CatalogLoadResult {
  catalog: { added: number; changed: number; removed: number; total: number };
  watchlist: { added: number; changed: number; removed: number; total: number };
}

const CONTENT = [
  'title',
  'type',
  'last_data_update',
  'last_structure_change',
  'data_start',
  'data_end',
  'value_count',
] as const;

/** Replaces the catalogue and the watchlist; throws LS_EUROSTAT_DATABASE_FAILED (rolled back). */
export async function loadCatalog(
  pool: pg.Pool,
  entries: readonly CatalogEntry[],
  watched: readonly { code: string; keyword: string }[],
): Promise<CatalogLoadResult> {
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    await client.query('BEGIN');
    // One catalogue writer at a time: two overlapping runs would otherwise interleave deletes.
    await client.query(`LOCK TABLE ${SCHEMA}.catalog IN SHARE ROW EXCLUSIVE MODE`);
    await client.query(
      `CREATE TEMP TABLE catalog_in (LIKE ${SCHEMA}.catalog INCLUDING DEFAULTS) ON COMMIT DROP`,
    );
    await client.query(
      `INSERT INTO catalog_in (code, ${CONTENT.join(', ')})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::text[], $7::text[], $8::bigint[])`,
      [
        entries.map((e) => e.code),
        entries.map((e) => e.title),
        entries.map((e) => e.type),
        entries.map((e) => e.lastDataUpdate),
        entries.map((e) => e.lastStructureChange),
        entries.map((e) => e.dataStart),
        entries.map((e) => e.dataEnd),
        entries.map((e) => e.valueCount),
      ],
    );
    const removed = await client.query(
      `DELETE FROM ${SCHEMA}.catalog c WHERE NOT EXISTS (SELECT 1 FROM catalog_in i WHERE i.code = c.code)`,
    );
    const upserted = await client.query<{ inserted: boolean }>(
      `INSERT INTO ${SCHEMA}.catalog (code, ${CONTENT.join(', ')})
       SELECT code, ${CONTENT.join(', ')} FROM catalog_in
       ON CONFLICT (code) DO UPDATE SET ${CONTENT.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, changed_at = now()
       WHERE (${CONTENT.map((c) => `catalog.${c}`).join(', ')}) IS DISTINCT FROM (${CONTENT.map((c) => `EXCLUDED.${c}`).join(', ')})
       RETURNING (xmax = 0) AS inserted`,
    );
    const titleOf = new Map(entries.map((e) => [e.code, e.title]));
    const watchRemoved = await client.query(
      `DELETE FROM ${SCHEMA}.watchlist WHERE NOT (code = ANY($1::text[]))`,
      [watched.map((w) => w.code)],
    );
    const watchUpserted = await client.query<{ inserted: boolean }>(
      `INSERT INTO ${SCHEMA}.watchlist (code, title, keyword)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, keyword = EXCLUDED.keyword
       WHERE (watchlist.title, watchlist.keyword) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.keyword)
       RETURNING (xmax = 0) AS inserted`,
      [
        watched.map((w) => w.code),
        watched.map((w) => titleOf.get(w.code) ?? ''),
        watched.map((w) => w.keyword),
      ],
    );
    await client.query('COMMIT');
    const added = upserted.rows.filter((r) => r.inserted).length;
    const watchAdded = watchUpserted.rows.filter((r) => r.inserted).length;
    return {
      catalog: {
        added,
        changed: upserted.rows.length - added,
        removed: removed.rowCount ?? 0,
        total: entries.length,
      },
      watchlist: {
        added: watchAdded,
        changed: watchUpserted.rows.length - watchAdded,
        removed: watchRemoved.rowCount ?? 0,
        total: watched.length,
      },
    };
  } catch (err) {
    await client?.query('ROLLBACK').catch(() => {});
    throw databaseFailed(err, `loading ${SCHEMA}.catalog and ${SCHEMA}.watchlist`);
  } finally {
    client?.release();
  }
}
