/**
 * Schema drift of a synced table on BigQuery, the DuckDB rules (db-drift.ts) in BigQuery's terms:
 * a new source column is added (`ALTER TABLE … ADD COLUMN`), a widened type widened where BigQuery
 * can do it in place (`ALTER COLUMN … SET DATA TYPE`, coercible changes only), a dropped column
 * kept. The source's COLUMN_TYPE is each field's description, so a change the BigQuery type does
 * not show (int → bigint are both INT64; varchar(50) → varchar(200)) is still seen and reported.
 */
import type { BigQuery, Dataset, TableField } from '@google-cloud/bigquery';
import { DB_METADATA_COLUMNS, type DbColumn, type DbSchemaChange } from '@lakestream/lake';
import { classifyBigqueryError, isNotFound } from './bigquery-errors.js';
import { type BigqueryColumn, bqIdent, bqTable } from './db-bigquery-sql.js';
import { bigqueryTypeOf, METADATA_FIELDS, widenedBigqueryType } from './db-bigquery-types.js';
import { LoaderError } from './errors.js';

/** Appended to a field's description once the source no longer has it (reported once). */
const DROPPED_MARK = ' (dropped at the source)';
const METADATA = new Set<string>(Object.values(DB_METADATA_COLUMNS));

/** Where the table is and how to reach it. */
export interface DriftContext {
  bq: BigQuery;
  dataset: Dataset;
  project: string;
  table: string;
  location: { location?: string };
  /** goccy/bigquery-emulator: its ALTER TABLE changes nothing, the table is rebuilt instead. */
  emulator: boolean;
}

/** What following the source came to. */
export interface FollowedSource {
  typed: BigqueryColumn[];
  changes: DbSchemaChange[];
  /** Stored columns the source no longer has. */
  dropped: string[];
}

/**
 * Creates the table, or brings it to the source's columns. A type BigQuery cannot widen in place
 * (a number column whose source turned to text, DATE → DATETIME) fails the batch with
 * `LS_LOADER_SCHEMA_MISMATCH`, naming the column: rebuild the table (drop it; db-sync's next FULL
 * run recreates it).
 */
export async function followSourceBigquery(
  ctx: DriftContext,
  columns: readonly DbColumn[],
): Promise<FollowedSource> {
  const table = ctx.dataset.table(ctx.table);
  const what = `${ctx.project}.${ctx.dataset.id}.${ctx.table}`;
  const call = async <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw classifyBigqueryError(err, `${what}: ${doing}`, ctx.emulator);
    }
  };
  let stored: TableField[] | undefined;
  try {
    const [metadata] = await table.getMetadata();
    stored = metadata.schema?.fields ?? [];
  } catch (err) {
    if (!isNotFound(err)) throw classifyBigqueryError(err, `${what}: reading`, ctx.emulator);
  }
  const sourceFields = columns.map((c) => ({
    name: c.name,
    type: bigqueryTypeOf(c),
    description: c.column_type,
  }));
  if (!stored) {
    await call('creating', () =>
      ctx.dataset.createTable(ctx.table, {
        schema: { fields: [...sourceFields, ...METADATA_FIELDS] },
      }),
    );
    return {
      typed: columns.map((column) => ({ column, type: bigqueryTypeOf(column) })),
      changes: [],
      dropped: [],
    };
  }
  const byName = new Map(stored.map((f) => [f.name!, f]));
  const changes: DbSchemaChange[] = [];
  const typed: BigqueryColumn[] = [];
  const ddl: string[] = [];
  const ref = bqTable(ctx.project, ctx.dataset.id!, ctx.table);
  const next: TableField[] = stored.map((f) => ({ ...f }));
  const nextOf = (name: string) => next.find((f) => f.name === name)!;
  for (const column of columns) {
    const wanted = bigqueryTypeOf(column);
    const current = byName.get(column.name);
    if (!current) {
      ddl.push(`ALTER TABLE ${ref} ADD COLUMN ${bqIdent(column.name)} ${wanted}`);
      next.push({ name: column.name, type: wanted, description: column.column_type });
      changes.push({ kind: 'added', column: column.name, from: null, to: column.column_type });
      typed.push({ column, type: wanted });
      continue;
    }
    const storedType = String(current.type).toUpperCase();
    const type = widenedBigqueryType(storedType, wanted);
    const before = current.description ?? storedType.toLowerCase();
    if (type === undefined) {
      throw new LoaderError(
        'LS_LOADER_SCHEMA_MISMATCH',
        `${what}: column ${column.name} is ${storedType} (source ${before}) and the source now has ${column.column_type} (${wanted}); BigQuery cannot change ${storedType} to a type holding both in place: drop the table, and db-sync's next FULL run recreates it`,
        { details: { table: ctx.table, column: column.name, stored: storedType, wanted } },
      );
    }
    if (type !== storedType) {
      ddl.push(`ALTER TABLE ${ref} ALTER COLUMN ${bqIdent(column.name)} SET DATA TYPE ${type}`);
      nextOf(column.name).type = type;
    }
    if (before !== column.column_type) {
      nextOf(column.name).description = column.column_type;
      if (before.endsWith(DROPPED_MARK)) {
        changes.push({ kind: 'added', column: column.name, from: null, to: column.column_type });
      } else if (
        type !== storedType ||
        grew(before, column.column_type) ||
        isWider(before, column)
      ) {
        changes.push({
          kind: 'widened',
          column: column.name,
          from: before,
          to: column.column_type,
        });
      }
    }
    typed.push({ column, type });
  }
  const names = new Set(columns.map((c) => c.name));
  const dropped: string[] = [];
  for (const field of stored) {
    const name = field.name!;
    if (METADATA.has(name) || names.has(name)) continue;
    dropped.push(name);
    const before = field.description ?? String(field.type).toLowerCase();
    if (before.endsWith(DROPPED_MARK)) continue;
    nextOf(name).description = `${before}${DROPPED_MARK}`;
    changes.push({ kind: 'dropped_kept', column: name, from: before, to: null });
  }
  if (ctx.emulator && ddl.length > 0) {
    await rebuildOnEmulator(ctx, next, call);
  } else {
    for (const sql of ddl) {
      await call('following the source', () => ctx.bq.query({ query: sql, ...ctx.location }));
    }
    if (next.some((f, i) => f.description !== stored[i]?.description) || ddl.length > 0) {
      // Descriptions through the API: a schema patch may change them (and nothing else here).
      const [metadata] = await call('reading', () => table.getMetadata());
      const fields = (metadata.schema?.fields ?? []) as TableField[];
      const described = fields.map((f) => ({ ...f, description: nextOf(f.name!).description }));
      await call('describing its columns', () =>
        table.setMetadata({ schema: { fields: described } }),
      );
    }
  }
  return { typed, changes, dropped };
}

/**
 * The emulator accepts `ALTER TABLE … ADD COLUMN` and changes nothing, and has no `SET DATA
 * TYPE`: there, and only there, the table is rebuilt – copied aside, recreated with the new
 * schema, filled back. Not atomic (BigQuery's ALTER is); a test-only path.
 */
async function rebuildOnEmulator(
  ctx: DriftContext,
  fields: TableField[],
  call: <T>(doing: string, fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const aside = `${ctx.table}__ls_rebuild`;
  const ref = (t: string) => bqTable(ctx.project, ctx.dataset.id!, t);
  const query = (sql: string) => call('rebuilding', () => ctx.bq.query({ query: sql }));
  await ctx.dataset
    .table(aside)
    .delete()
    .catch(() => {});
  await query(`CREATE TABLE ${ref(aside)} AS SELECT * FROM ${ref(ctx.table)}`);
  const [copied] = await call('rebuilding', () => ctx.dataset.table(aside).getMetadata());
  const kept = ((copied.schema?.fields ?? []) as TableField[]).map((f) => f.name!);
  await call('rebuilding', () => ctx.dataset.table(ctx.table).delete());
  await call('rebuilding', () => ctx.dataset.createTable(ctx.table, { schema: { fields } }));
  const cast = (name: string) => {
    const type = fields.find((f) => f.name === name)!.type;
    return `CAST(${bqIdent(name)} AS ${type}) AS ${bqIdent(name)}`;
  };
  await query(
    `INSERT INTO ${ref(ctx.table)} (${kept.map(bqIdent).join(', ')}) SELECT ${kept.map(cast).join(', ')} FROM ${ref(aside)}`,
  );
  await call('rebuilding', () => ctx.dataset.table(aside).delete());
}

/** True when the source type kept its name and its first size grew (`varchar(50)` → `varchar(200)`). */
function grew(from: string, to: string): boolean {
  const size = /^([a-z]+)\((\d+)/;
  const a = size.exec(from);
  const b = size.exec(to);
  return !!a && !!b && a[1] === b[1] && Number(b[2]) > Number(a[2]);
}

/**
 * True when the source's new type holds more than its old one although both land in the same
 * BigQuery type (int → bigint, decimal(10,2) → decimal(14,2)): reported as on DuckDB.
 */
function isWider(before: string, column: DbColumn): boolean {
  const rank = ['tinyint', 'smallint', 'mediumint', 'int', 'bigint'];
  const a = rank.indexOf(/^[a-z]+/.exec(before)?.[0] ?? '');
  const b = rank.indexOf(column.data_type);
  if (a >= 0 && b >= 0) return b > a;
  const dec = /^decimal\((\d+),(\d+)\)/;
  const x = dec.exec(before);
  const y = dec.exec(column.column_type);
  return (
    !!x &&
    !!y &&
    (Number(y[1]) - Number(y[2]) > Number(x[1]) - Number(x[2]) || Number(y[2]) > Number(x[2]))
  );
}
